#include "platform/playback_revocations.h"

namespace stagecast::platform {

void PlaybackRevocations::moderated(const store::ModerationAction& action) {
  using K = store::ModerationActionKind;
  if (!action.target_user_id) return;
  auto key = std::make_pair(action.artist_id, *action.target_user_id);
  std::lock_guard lock(mu_);
  switch (action.action) {
    case K::kBan:
      until_[key] = std::nullopt;
      break;
    case K::kTimeout:
      until_[key] = action.created_at + action.duration_seconds.value_or(0) * 1000;
      break;
    case K::kUnban:
      until_.erase(key);
      break;
    default:
      break;
  }
}

void PlaybackRevocations::ticket_access_changed(const store::StreamTicket& ticket,
                                                const store::LiveStream& stream, bool may_watch) {
  auto key = std::make_pair(stream.id, ticket.fan_id);
  std::lock_guard lock(mu_);
  if (may_watch) {
    streams_.erase(key);
  } else {
    streams_.insert(std::move(key));
  }
}

bool PlaybackRevocations::stream_revoked(const std::string& stream_id,
                                         const std::string& viewer_id) const {
  std::lock_guard lock(mu_);
  return streams_.contains(std::make_pair(stream_id, viewer_id));
}

bool PlaybackRevocations::revoked(const std::string& artist_id, const std::string& viewer_id,
                                  int64_t now_ms) const {
  std::lock_guard lock(mu_);
  auto it = until_.find(std::make_pair(artist_id, viewer_id));
  if (it == until_.end()) return false;
  return !it->second || *it->second > now_ms;
}

}  // namespace stagecast::platform
