#pragma once
// Chat history of a stream. Messages are ordered by their per-stream seq (assigned on append).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/records.h"

namespace stagecast::store {

class ChatRepository {
 public:
  virtual ~ChatRepository() = default;

  // Inserts; assigns an id when empty and the next seq of the stream, and counts TEXT and TIP
  // messages in the stream's chat_message_count (same transaction). Returns the stored message.
  // invalid_argument: unknown stream.
  virtual Result<ChatMessage> append(const ChatMessage& m) = 0;
  // The same for several messages in one transaction (group commit): all stored, in order, or
  // none. The write-behind queue of the live chat stores what queued up meanwhile this way.
  virtual Result<std::vector<ChatMessage>> append_all(const std::vector<ChatMessage>& ms) = 0;
  virtual Result<ChatMessage> find(const std::string& id) = 0;
  // The last `limit` (clamped to [1, 200]) non-moderated messages, oldest first: what a fan
  // sees on joining.
  virtual Result<std::vector<ChatMessage>> recent(const std::string& stream_id, int limit) = 0;
  // The `limit` messages before `before_seq` (all of them when none), oldest first; moderated
  // ones only when include_moderated (moderator view).
  virtual Result<std::vector<ChatMessage>> page_before(const std::string& stream_id,
                                                       std::optional<int64_t> before_seq,
                                                       int limit, bool include_moderated) = 0;
  // Sets moderated, moderated_by, moderated_at. not_found. Moderating twice keeps the first.
  virtual Result<ChatMessage> mark_moderated(const std::string& message_id,
                                             const std::string& moderator_id,
                                             int64_t at_ms) = 0;
  // Hides every message of a user in a stream (on ban); returns how many were hidden.
  virtual Result<int64_t> mark_user_moderated(const std::string& stream_id,
                                              const std::string& user_id,
                                              const std::string& moderator_id,
                                              int64_t at_ms) = 0;
};

}  // namespace stagecast::store
