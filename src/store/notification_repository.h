#pragma once
// In-app notifications.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/records.h"

namespace stagecast::store {

class NotificationRepository {
 public:
  virtual ~NotificationRepository() = default;

  // Assigns an id when empty.
  virtual Result<Notification> create(const Notification& n) = 0;
  // Inserts all in one transaction (a stream going live notifies every subscriber).
  virtual Result<void> create_many(const std::vector<Notification>& ns) = 0;
  // Newest first, at most `limit` (clamped to [1, 200]); created before `before_ms` when set.
  virtual Result<std::vector<Notification>> list_for_user(const std::string& user_id, int limit,
                                                          bool unread_only,
                                                          std::optional<int64_t> before_ms) = 0;
  // Only the owner's notification is touched. not_found (absent or someone else's).
  virtual Result<void> mark_read(const std::string& id, const std::string& user_id,
                                 int64_t at_ms) = 0;
  virtual Result<int64_t> count_unread(const std::string& user_id) = 0;
};

}  // namespace stagecast::store
