#pragma once
// Accounts: local (with a password hash) and synced from the platform (without one).

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/records.h"

namespace stagecast::store {

// A page of users, oldest account first (the operator page; docs/web.md).
struct UserQuery {
  struct Cursor {
    int64_t created_at = 0;
    std::string id;
  };
  std::optional<Cursor> after;
  size_t limit = 50;
  bool artist_requests_only = false;  // fans waiting to become artists
  bool local_only = false;            // accounts with a password (signed up here)
};

class UserRepository {
 public:
  virtual ~UserRepository() = default;

  // Inserts; assigns an id when user.id is empty. conflict: the email (case-insensitively) or
  // the id is taken.
  virtual Result<User> create(const User& user) = 0;
  // not_found when absent.
  virtual Result<User> find_by_id(const std::string& id) = 0;
  virtual Result<User> find_by_email(const std::string& email) = 0;  // case-insensitive
  // Replaces email, password_hash, display_name, role, stripe_account_id, updated_at of user.id.
  // not_found, conflict (email taken by another user).
  virtual Result<User> update(const User& user) = 0;
  // Platform sync: inserts the user, or updates email, display_name, role, stripe_account_id
  // and updated_at of the existing row keeping its password_hash and created_at (when
  // user.password_hash is set it replaces the stored one). conflict: email taken by another id.
  virtual Result<User> upsert(const User& user) = 0;

  virtual Result<std::vector<User>> list(const UserQuery& query) = 0;
  // The (first created) user holding this connected account. not_found.
  virtual Result<User> find_by_stripe_account(const std::string& account_id) = 0;
  // Records what an account.updated of `event_at` (unix s) said, unless the user no longer
  // holds account_id or a later event was applied already: false then, nothing changed.
  virtual Result<bool> set_payouts(const std::string& user_id, const std::string& account_id,
                                   PayoutsStatus status, const std::optional<std::string>& reason,
                                   bool simulated, int64_t event_at, int64_t now_ms) = 0;
};

}  // namespace stagecast::store
