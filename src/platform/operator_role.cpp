#include "platform/operator_role.h"

#include "platform/errors.h"

namespace stagecast::platform {

OperatorRole::OperatorRole(store::Store& store, OperatorSettings settings)
    : store_(&store), settings_(std::move(settings)) {
  settings_.email = store::normalize_email(settings_.email);
}

Result<bool> OperatorRole::is_operator(const store::User& user) {
  if (!settings_.email.empty()) return store::normalize_email(user.email) == settings_.email;
  if (!settings_.first_account || !user.password_hash) return false;
  {
    std::lock_guard lock(mu_);
    if (first_id_) return *first_id_ == user.id;
  }
  store::UserQuery q;
  q.limit = 1;
  q.local_only = true;
  auto first = store_->users().list(q);
  if (!first) return errc::from_store(first.error());
  if (first->empty()) return false;
  std::lock_guard lock(mu_);
  first_id_ = first->front().id;
  return *first_id_ == user.id;
}

}  // namespace stagecast::platform
