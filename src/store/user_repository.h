#pragma once
// Accounts: local (with a password hash) and synced from the platform (without one).

#include <string>

#include "core/result.h"
#include "store/records.h"

namespace stagecast::store {

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
};

}  // namespace stagecast::store
