#include "platform/chat_service.h"

#include "platform/errors.h"

namespace stagecast::platform {

namespace {

Result<void> done(Result<void> r) {
  if (!r) return errc::from_store(r.error());
  return ok_result();
}

}  // namespace

ChatService::ChatService(store::Store& store, AccessPolicy policy, const Clock& clock)
    : store_(&store), policy_(policy), facts_(store, clock), clock_(&clock) {}

Result<RoomAdmission> ChatService::admission(const Identity* caller,
                                             const std::string& stream_id) {
  auto stream = store_->streams().find(stream_id);
  if (!stream) return errc::from_store(stream.error());
  auto subject = facts_.subject(caller, *stream);
  if (!subject) return subject.error();
  RoomAdmission a;
  a.subject = *subject;
  const StreamFacts facts = AccessFacts::stream_facts(*stream, false);
  a.watch = policy_.decide(a.subject, facts, Action::kWatch);
  a.may_moderate = policy_.decide(a.subject, facts, Action::kModerate).allowed;
  if (a.subject.timed_out && caller != nullptr) {
    auto ban = store_->moderation().find_active_ban(stream->artist_id, caller->user_id,
                                                    clock_->unix_millis());
    if (!ban) return errc::from_store(ban.error());
    if (ban->has_value()) a.timed_out_until = (*ban)->expires_at;
  }
  a.stream = std::move(stream).value();
  return a;
}

Result<std::vector<store::ChatMessage>> ChatService::recent(const std::string& stream_id,
                                                             int limit) {
  auto r = store_->chat().recent(stream_id, limit);
  if (!r) return errc::from_store(r.error());
  return r;
}

Result<ChatHistoryPage> ChatService::history(const Identity* caller, const std::string& stream_id,
                                             int limit, std::optional<int64_t> before_seq,
                                             bool include_moderated) {
  if (limit < 1 || limit > kMaxHistoryPage) {
    return make_error(errc::kValidationFailed, "limit must be 1 to 200");
  }
  if (before_seq && *before_seq < 1) {
    return make_error(errc::kValidationFailed, "before must be a positive message seq");
  }
  auto stream = store_->streams().find(stream_id);
  if (!stream) return errc::from_store(stream.error());
  auto subject = facts_.subject(caller, *stream);
  if (!subject) return subject.error();
  const StreamFacts facts = AccessFacts::stream_facts(*stream, false);
  const Decision watch = policy_.decide(*subject, facts, Action::kWatch);
  if (!watch.allowed) {
    return make_error(std::string(watch.reason),
                      "reading this chat refused: " + std::string(watch.reason));
  }
  if (include_moderated && !policy_.decide(*subject, facts, Action::kModerate).allowed) {
    return make_error("not_moderator", "only the owner and moderators see moderated messages");
  }
  auto page = store_->chat().page_before(stream_id, before_seq, limit, include_moderated);
  if (!page) return errc::from_store(page.error());
  ChatHistoryPage out;
  // A full page may have older messages before it; the first seq is the next cursor.
  if (static_cast<int>(page->size()) == limit && !page->empty() && page->front().seq > 1) {
    out.next_before = page->front().seq;
  }
  out.messages = std::move(page).value();
  return out;
}

Result<store::LiveStream> ChatService::stream(const std::string& stream_id) {
  auto s = store_->streams().find(stream_id);
  if (!s) return errc::from_store(s.error());
  return s;
}

Result<store::ChatMessage> ChatService::persist(const store::ChatMessage& message) {
  auto m = store_->chat().append(message);
  if (!m) return errc::from_store(m.error());
  return m;
}

Result<std::vector<store::ChatMessage>> ChatService::persist_all(
    const std::vector<store::ChatMessage>& messages) {
  auto m = store_->chat().append_all(messages);
  if (!m) return errc::from_store(m.error());
  return m;
}

Result<void> ChatService::mark_moderated(const std::string& message_id,
                                         const std::string& moderator_id, int64_t at_ms) {
  auto m = store_->chat().mark_moderated(message_id, moderator_id, at_ms);
  if (!m) return errc::from_store(m.error());
  return ok_result();
}

Result<void> ChatService::mark_user_moderated(const std::string& stream_id,
                                              const std::string& user_id,
                                              const std::string& moderator_id, int64_t at_ms) {
  auto n = store_->chat().mark_user_moderated(stream_id, user_id, moderator_id, at_ms);
  if (!n) return errc::from_store(n.error());
  return ok_result();
}

Result<store::StreamViewer> ChatService::record_join(const store::StreamViewer& viewer) {
  auto v = store_->viewers().record_join(viewer);
  if (!v) return errc::from_store(v.error());
  return v;
}

Result<void> ChatService::record_leave(const std::string& viewer_id, int64_t left_at) {
  auto v = store_->viewers().record_leave(viewer_id, left_at);
  if (!v) return errc::from_store(v.error());
  return ok_result();
}

Result<void> ChatService::record_viewer_stats(const std::string& stream_id,
                                              int64_t current_viewers, int64_t unique_viewers) {
  return done(store_->streams().update_viewer_stats(stream_id, current_viewers, unique_viewers,
                                                    clock_->unix_millis()));
}

}  // namespace stagecast::platform
