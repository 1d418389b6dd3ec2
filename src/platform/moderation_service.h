#pragma once
// Moderation of a stream's chat by its owner, the moderators the owner appoints, and admins:
// delete a message, time a user out for N seconds, ban and unban (in the artist's channel, so
// across all their streams), appoint and remove moderators (owner and admins only). Every action
// is checked against the access policy first (MODERATE, or MANAGE for appointments), so a
// refused caller changes nothing; a permitted one is recorded in moderation_actions (who, whom,
// what, when, why) and then announced to the ModerationEvents listeners.
// Synchronous: run it on a worker pool, never on an I/O thread.
//
// Decisions:
//  * Nobody moderates themselves, the stream's owner or an admin (forbidden); only the owner or
//    an admin may time out or ban a moderator, or delete a moderator's message.
//  * A timeout or a ban also hides the user's messages in this stream (Twitch clears them too);
//    a ban also ends a moderator appointment.
//  * Unban lifts a ban or a timeout; not_found when there is none.
//  * A message that was broadcast but not stored yet (PendingChatMessages) can be deleted: its
//    queued write stores it as moderated.
//  * Appointing an existing moderator, or deleting a deleted message, succeeds again and is
//    recorded again (the trail shows what people did, not only what changed).
//
// Errors: login_required, not_moderator, not_owner, banned (the caller), not_found (stream,
// message or user), forbidden (protected target), validation_failed (seconds, reason),
// db_unavailable.

#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "platform/access_facts.h"
#include "platform/access_policy.h"
#include "platform/identity.h"
#include "platform/moderation_events.h"
#include "store/store.h"

namespace stagecast::platform {

inline constexpr int64_t kMaxTimeoutSeconds = 14 * 24 * 3600;  // Twitch's longest timeout
inline constexpr size_t kMaxModerationReasonChars = 500;

class ModerationService {
 public:
  // The store and clock are borrowed and must outlive the service.
  ModerationService(store::Store& store, AccessPolicy policy, const Clock& clock);

  // Listeners and the pending-message source are not owned; set them while wiring.
  void add_listener(ModerationEvents& listener);
  void set_pending_messages(PendingChatMessages* pending) { pending_ = pending; }

  Result<store::ModerationAction> delete_message(const Identity& actor,
                                                 const std::string& stream_id,
                                                 const std::string& message_id,
                                                 std::optional<std::string> reason);
  // seconds: 1 .. kMaxTimeoutSeconds.
  Result<store::ModerationAction> timeout(const Identity& actor, const std::string& stream_id,
                                          const std::string& user_id, int64_t seconds,
                                          std::optional<std::string> reason);
  Result<store::ModerationAction> ban(const Identity& actor, const std::string& stream_id,
                                      const std::string& user_id,
                                      std::optional<std::string> reason);
  Result<store::ModerationAction> unban(const Identity& actor, const std::string& stream_id,
                                        const std::string& user_id,
                                        std::optional<std::string> reason);
  Result<store::ModerationAction> appoint_moderator(const Identity& actor,
                                                    const std::string& stream_id,
                                                    const std::string& user_id);
  Result<store::ModerationAction> remove_moderator(const Identity& actor,
                                                   const std::string& stream_id,
                                                   const std::string& user_id);

  // The channel's moderators: owner, moderators and admins may look.
  Result<std::vector<store::StreamModerator>> moderators(const Identity& actor,
                                                         const std::string& stream_id);
  // The audit trail of the stream, newest first: owner and admins.
  Result<std::vector<store::ModerationAction>> actions(const Identity& actor,
                                                       const std::string& stream_id, int limit);

 private:
  struct Context {
    store::LiveStream stream;
    Subject actor;
  };
  Result<Context> authorize(const Identity& actor, const std::string& stream_id, Action action);
  // The target user of a timeout or ban, checked against the protections above.
  Result<store::User> protected_target(const Identity& actor, const Context& ctx,
                                       const std::string& user_id);
  // The audit row of an action by `actor` (created_at is set by record()).
  static store::ModerationAction action(store::ModerationActionKind kind,
                                        const std::string& stream_id, const std::string& artist_id,
                                        const Identity& actor,
                                        std::optional<std::string> target_user_id);
  // A timed-out or banned user's messages leave every screen and the history.
  Result<void> hide_messages_of(const std::string& stream_id, const std::string& user_id,
                                const Identity& actor, int64_t now);
  Result<store::ModerationAction> record(store::ModerationAction action);

  store::Store* store_;
  AccessPolicy policy_;
  AccessFacts facts_;
  const Clock* clock_;
  PendingChatMessages* pending_ = nullptr;
  std::shared_mutex listeners_mutex_;
  std::vector<ModerationEvents*> listeners_;
};

}  // namespace stagecast::platform
