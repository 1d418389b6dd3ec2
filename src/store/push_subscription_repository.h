#pragma once
// Web push subscriptions (RFC 8030 endpoints with RFC 8291 keys) of users.

#include <string>
#include <vector>

#include "core/result.h"
#include "store/records.h"

namespace stagecast::store {

class PushSubscriptionRepository {
 public:
  virtual ~PushSubscriptionRepository() = default;

  // Inserts, or replaces user_id, p256dh and auth of the same endpoint (a browser re-subscribing).
  virtual Result<PushSubscription> upsert(const PushSubscription& p) = 0;
  virtual Result<std::vector<PushSubscription>> list_for_user(const std::string& user_id) = 0;
  // not_found.
  virtual Result<PushSubscription> find(const std::string& id) = 0;
  // Returns whether it existed (a push service answered 404/410: the endpoint is gone).
  virtual Result<bool> remove_by_endpoint(const std::string& endpoint) = 0;
};

}  // namespace stagecast::store
