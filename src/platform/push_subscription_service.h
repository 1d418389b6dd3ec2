#pragma once
// The caller's Web Push subscriptions (docs/notifications.md): a browser that said yes to
// notifications posts its PushSubscription (validated by the API against notify/'s rules first)
// and removes it when the fan turns push off. Having a subscription is the push channel's
// opt-in: no subscription, no push rows. A user keeps at most kMaxPushSubscriptionsPerUser
// browsers; a new one beyond that replaces the oldest.

#include <optional>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "platform/identity.h"
#include "store/store.h"

namespace stagecast::platform {

inline constexpr size_t kMaxPushSubscriptionsPerUser = 10;

struct PushSubscriptionInput {
  std::string endpoint;  // validated https URL
  std::string p256dh;    // validated base64url P-256 point
  std::string auth;      // validated base64url, 16 bytes
};

class PushSubscriptionService {
 public:
  PushSubscriptionService(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Stores (or refreshes) the caller's subscription; the endpoint moves to the caller when
  // another account had it (the browser's profile signed in as someone else). Errors:
  // db_unavailable.
  Result<store::PushSubscription> subscribe(const Identity& caller,
                                            const PushSubscriptionInput& in);
  // Errors: not_found (no such subscription of the caller), db_unavailable.
  Result<void> unsubscribe(const Identity& caller, const std::string& endpoint);

 private:
  store::Store& store_;
  const Clock& clock_;
};

}  // namespace stagecast::platform
