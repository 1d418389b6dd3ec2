#pragma once
// Chat and presence against the store: what a member needs to enter a stream's room (the stream,
// their access facts, a timeout's end), the history of a room, and the writes the realtime
// gateway makes behind the live broadcast (messages, viewer sessions, peak viewers).
// Synchronous: run it on a worker pool, never on an I/O thread. The per-message rules live in
// chat_rules.h, without I/O.
//
// Errors: see errors.h (not_found, db_unavailable, validation_failed, the policy's reasons).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "platform/access_facts.h"
#include "platform/access_policy.h"
#include "platform/identity.h"
#include "store/store.h"

namespace stagecast::platform {

// What the room keeps about a member, and whether they may enter at all.
struct RoomAdmission {
  store::LiveStream stream;
  Subject subject;
  Decision watch;                          // entering the room needs WATCH
  bool may_moderate = false;               // MODERATE now
  std::optional<int64_t> timed_out_until;  // unix ms, when subject.timed_out
};

struct ChatHistoryPage {
  std::vector<store::ChatMessage> messages;  // oldest first
  std::optional<int64_t> next_before;        // pass as `before` for older messages; none at the start
};

inline constexpr int kJoinHistoryMessages = 50;
inline constexpr int kMaxHistoryPage = 200;

class ChatService {
 public:
  // The store and clock are borrowed and must outlive the service.
  ChatService(store::Store& store, AccessPolicy policy, const Clock& clock);

  // caller null = anonymous. Errors: not_found, db_unavailable.
  Result<RoomAdmission> admission(const Identity* caller, const std::string& stream_id);
  // The last `limit` messages not moderated, oldest first. Errors: db_unavailable.
  Result<std::vector<store::ChatMessage>> recent(const std::string& stream_id, int limit);
  // GET /api/livestream/{id}/chat: needs WATCH; moderated messages only for those who may
  // moderate and ask for them. limit 1..200. Errors: not_found, validation_failed, the WATCH
  // refusal (login_required, subscription_required, ...), db_unavailable.
  Result<ChatHistoryPage> history(const Identity* caller, const std::string& stream_id, int limit,
                                  std::optional<int64_t> before_seq, bool include_moderated);
  // Errors: not_found, db_unavailable.
  Result<store::LiveStream> stream(const std::string& stream_id);

  // ---- writes behind the live broadcast (the gateway retries db_unavailable) ----
  // Stores a message that was already broadcast (id and created_at set by the room).
  Result<store::ChatMessage> persist(const store::ChatMessage& message);
  // Several in one transaction, in order: all or none (the live chat's group commit).
  Result<std::vector<store::ChatMessage>> persist_all(const std::vector<store::ChatMessage>& messages);
  Result<void> mark_moderated(const std::string& message_id, const std::string& moderator_id,
                              int64_t at_ms);
  Result<void> mark_user_moderated(const std::string& stream_id, const std::string& user_id,
                                   const std::string& moderator_id, int64_t at_ms);
  // A viewing session (stream_viewers): signed-in viewers by user id, anonymous ones by a
  // session id of the connection.
  Result<store::StreamViewer> record_join(const store::StreamViewer& viewer);
  Result<void> record_leave(const std::string& viewer_id, int64_t left_at);
  // Peak (max of stored and given) and unique viewers of a live stream.
  Result<void> record_viewer_stats(const std::string& stream_id, int64_t current_viewers,
                                   int64_t unique_viewers);

 private:
  store::Store* store_;
  AccessPolicy policy_;
  AccessFacts facts_;
  const Clock* clock_;
};

}  // namespace stagecast::platform
