#pragma once
// What ModerationService tells the rest of the system once an action is stored (the realtime
// gateway removes a message from every screen, mutes a timed-out user, drops a banned one), and
// what it asks of the gateway about messages that were broadcast but are not stored yet.
// Called synchronously on the worker thread that made the change: implementations post to their
// own executor and return at once, and must not throw.

#include <optional>
#include <string>

#include "store/records.h"

namespace stagecast::platform {

class ModerationEvents {
 public:
  virtual ~ModerationEvents() = default;
  // action.action says what happened; TIMEOUT ends at created_at + duration_seconds.
  virtual void moderated(const store::ModerationAction& action) = 0;
};

// Chat messages already shown live whose write to the store is still queued (the database may be
// slow or down). Lets a moderator delete a message the moment it appears.
class PendingChatMessages {
 public:
  virtual ~PendingChatMessages() = default;
  virtual std::optional<store::ChatMessage> find_pending(const std::string& message_id) = 0;
  // Makes the queued write store the message as moderated. False when it is no longer queued.
  virtual bool moderate_pending(const std::string& message_id, const std::string& moderator_id,
                                int64_t at_ms) = 0;
  // The same for every queued message of `user_id` in `stream_id`.
  virtual void moderate_pending_from(const std::string& stream_id, const std::string& user_id,
                                     const std::string& moderator_id, int64_t at_ms) = 0;
};

}  // namespace stagecast::platform
