#pragma once
// Payout verification (docs/payments.md, "Payout verification"): Stripe's account.updated
// decides whether an artist who onboarded here may stream and be tipped. It rides on the
// webhook pipeline (signature verified, recorded, applied exactly once) as a PaymentEventHandler.
//
//   charges_enabled and payouts_enabled      ENABLED: verified
//   either false, after ENABLED (or after a  DISABLED, with Stripe's requirements.disabled_reason:
//   platform-synced account)                 no longer verified; the Studio shows the reason
//   either false, onboarding not finished    PENDING stays, with the reason
//
// Events are ordered by their `created`: an older event that arrives after a newer one changes
// nothing ("stale"). An event about an account no user holds is "unmatched".

#include <optional>

#include "core/clock.h"
#include "platform/payment_event_handler.h"
#include "store/store.h"

namespace stagecast::platform {

class PayoutVerification final : public PaymentEventHandler {
 public:
  // `simulated`: the provider is the sandbox (what it verifies moves no money). Borrowed.
  PayoutVerification(store::Store& store, const Clock& clock, bool simulated)
      : store_(&store), clock_(&clock), simulated_(simulated) {}

  Result<std::optional<WebhookOutcome>> apply_payment_event(
      const payments::WebhookEvent& event) override;

 private:
  store::Store* store_;
  const Clock* clock_;
  bool simulated_;
};

// The reason shown to an artist for a status (Stripe's disabled_reason in words).
std::string payouts_reason_text(const std::optional<std::string>& reason);

}  // namespace stagecast::platform
