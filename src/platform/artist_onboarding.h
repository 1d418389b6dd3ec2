#pragma once
// Artist onboarding to Stripe Connect (Express accounts; Stripe docs, "Using Connect with
// Express connected accounts"): the artist's first call creates their connected account and
// saves its id on the user, every call returns a fresh single-use onboarding link.
// Synchronous (store and provider): run it on a worker pool.
//
// Decisions:
//  * Only ARTISTs (admins and fans: forbidden). An artist whose account id was synced by the
//    hosting platform keeps it: we only make links for it.
//  * The account is created with the idempotency key "stagecast-account-<user id>", so two
//    concurrent first calls, or a retry after the id could not be saved, get the same account.
//  * The id is saved as soon as the account exists, with payouts PENDING: the artist is
//    verified once Stripe's account.updated says charges and payouts are enabled
//    (PayoutVerification). With the sandbox the route completes that at once.
//
// Errors: forbidden, unauthorized (account gone), db_unavailable, the payment errors.

#include <cstdint>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "payments/payment_provider.h"
#include "platform/identity.h"
#include "store/store.h"

namespace stagecast::platform {

struct OnboardingLink {
  std::string account_id;
  std::string url;          // single use, short-lived
  int64_t expires_at = 0;   // unix seconds
  bool account_created = false;
};

class ArtistOnboarding {
 public:
  // Borrowed; must outlive this object.
  ArtistOnboarding(store::Store& store, payments::PaymentProvider& provider, const Clock& clock);

  Result<OnboardingLink> start(const Identity& caller, const std::string& return_url,
                               const std::string& refresh_url);

 private:
  store::Store* store_;
  payments::PaymentProvider* provider_;
  const Clock* clock_;
};

}  // namespace stagecast::platform
