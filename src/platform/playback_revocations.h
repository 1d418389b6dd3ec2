#pragma once
// PlaybackRevocations: bans, timeouts and lost tickets as the HLS path needs them, in memory. A
// playback token stays valid until it expires (minutes); a ban must end playback at once, on
// every stream of the artist, and a refunded ticket on its stream. ModerationService tells this
// listener of each ban, timeout and unban, TicketService of each ticket that stops (or starts
// again) admitting its fan; the HLS access check asks revoked() and stream_revoked() on every
// request, map lookups, no database read.
//
// Scope: what was decided while this process runs. Tokens are issued only to users the access
// policy lets watch (bans are checked there, against the store), so after a restart a token
// issued before an earlier ban is the one gap, for at most its lifetime.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "platform/moderation_events.h"
#include "platform/ticket_events.h"

namespace stagecast::platform {

class PlaybackRevocations final : public ModerationEvents, public TicketEvents {
 public:
  void moderated(const store::ModerationAction& action) override;
  void ticket_access_changed(const store::StreamTicket& ticket, const store::LiveStream& stream,
                             bool may_watch) override;

  // Whether the viewer is banned, or timed out until after now, in the artist's channel.
  bool revoked(const std::string& artist_id, const std::string& viewer_id, int64_t now_ms) const;
  // Whether the viewer lost what admitted them to this stream (a refunded ticket).
  bool stream_revoked(const std::string& stream_id, const std::string& viewer_id) const;

 private:
  mutable std::mutex mu_;
  // (artist, user) -> until when (unix ms); none: until unbanned.
  std::map<std::pair<std::string, std::string>, std::optional<int64_t>> until_;
  std::set<std::pair<std::string, std::string>> streams_;  // (stream, user)
};

}  // namespace stagecast::platform
