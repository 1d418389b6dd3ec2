#pragma once
// The audit trail of moderation actions, channel bans/timeouts, and appointed moderators.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/records.h"

namespace stagecast::store {

class ModerationRepository {
 public:
  virtual ~ModerationRepository() = default;

  // Audit trail (append-only). Assigns an id when empty.
  virtual Result<ModerationAction> record_action(const ModerationAction& a) = 0;
  // Newest first, at most `limit` (clamped to [1, 500]).
  virtual Result<std::vector<ModerationAction>> list_actions_for_stream(
      const std::string& stream_id, int limit) = 0;
  virtual Result<std::vector<ModerationAction>> list_actions_for_artist(
      const std::string& artist_id, int limit) = 0;

  // Inserts or replaces the ban of (artist_id, user_id) (a ban replaces a timeout and back).
  virtual Result<StreamBan> put_ban(const StreamBan& b) = 0;
  // Returns whether a ban existed.
  virtual Result<bool> remove_ban(const std::string& artist_id, const std::string& user_id) = 0;
  // The ban in force at now_ms (permanent, or a timeout not yet expired), if any.
  virtual Result<std::optional<StreamBan>> find_active_ban(const std::string& artist_id,
                                                           const std::string& user_id,
                                                           int64_t now_ms) = 0;
  virtual Result<std::vector<StreamBan>> list_active_bans(const std::string& artist_id,
                                                          int64_t now_ms) = 0;

  // Idempotent; returns whether the moderator was newly added.
  virtual Result<bool> add_moderator(const StreamModerator& m) = 0;
  virtual Result<bool> remove_moderator(const std::string& artist_id,
                                        const std::string& moderator_user_id) = 0;
  virtual Result<bool> is_moderator(const std::string& artist_id, const std::string& user_id) = 0;
  virtual Result<std::vector<StreamModerator>> list_moderators(const std::string& artist_id) = 0;
  // Every channel's actions, newest first (the operator page's audit trail).
  virtual Result<std::vector<ModerationAction>> list_recent_actions(int limit) = 0;
};

}  // namespace stagecast::store
