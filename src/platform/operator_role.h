#pragma once
// Who operates this server (docs/web.md, "Operator page"): the account whose email is named in
// configuration (operator.email), else, where allowed (operator.first_account, on by default
// outside production mode), the first account that signed up here with a password. The
// operator acts with the admin's rights through the same services and access policy as the
// admin API; their own role (an operator may also be an artist) is unchanged.
// Synchronous (store): call on a worker thread.

#include <mutex>
#include <optional>
#include <string>

#include "core/result.h"
#include "store/store.h"

namespace stagecast::platform {

struct OperatorSettings {
  std::string email;          // normalised when compared; empty: none named
  bool first_account = true;  // the first local account is the operator when none is named
};

class OperatorRole {
 public:
  OperatorRole(store::Store& store, OperatorSettings settings);

  // Errors: db_unavailable.
  Result<bool> is_operator(const store::User& user);

 private:
  store::Store* store_;
  OperatorSettings settings_;
  std::mutex mu_;
  std::optional<std::string> first_id_;  // cached once found: accounts are never deleted
};

}  // namespace stagecast::platform
