#pragma once
// SANDBOX PAYMENT PROVIDER: NO MONEY MOVES. It lets the embedded default (one binary, no Stripe
// account) demonstrate tipping end to end; app/ refuses it when server.production is true.
//
// It answers like Stripe would, in process: PaymentIntents "pi_sandbox_...", accounts
// "acct_sandbox...", account links that lead straight back to the return URL. Requests with the
// same idempotency key get the same object back (as Stripe's do, bounded to the most recent
// keys). What the fan's browser and Stripe would do next (confirm the payment, Stripe sends
// payment_intent.succeeded) is played by payment_intent_event(): it builds the event Stripe
// would send and signs it with the webhook secret exactly as Stripe does, so the sandbox's
// events go through the very same verification and application path as real webhooks.

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "payments/payment_provider.h"

namespace stagecast::payments {

struct SandboxIntent {
  std::string id;
  int64_t amount_cents = 0;
  std::string currency;
  int64_t application_fee_cents = 0;
  std::string destination_account;
  std::vector<std::pair<std::string, std::string>> metadata;
};

struct SignedEvent {
  std::string payload;           // the raw body Stripe would POST
  std::string signature_header;  // its Stripe-Signature
};

class SandboxProvider final : public PaymentProvider {
 public:
  static constexpr size_t kRememberedKeys = 10'000;

  // The clock is borrowed and must outlive the provider.
  SandboxProvider(std::string webhook_secret, const Clock& clock);

  std::string_view name() const override { return "sandbox"; }
  bool is_sandbox() const override { return true; }
  Result<PaymentIntent> create_payment_intent(const PaymentIntentRequest& request) override;
  Result<ConnectedAccount> create_connected_account(const ConnectedAccountRequest& request) override;
  Result<AccountLink> create_account_link(const AccountLinkRequest& request) override;

  // `type` is "payment_intent.succeeded" or "payment_intent.payment_failed".
  SignedEvent payment_intent_event(std::string_view type, const SandboxIntent& intent) const;
  // The account.updated Stripe sends when an artist has finished (or lost) onboarding: charges
  // and payouts both enabled, or both disabled. Marked metadata.sandbox = "true".
  SignedEvent account_updated_event(const std::string& account_id, bool enabled) const;

 private:
  template <typename T>
  void remember(std::map<std::string, T>& map, const std::string& key, T value);

  std::string webhook_secret_;
  const Clock* clock_;
  std::mutex mu_;
  std::map<std::string, PaymentIntent> intents_;      // by idempotency key
  std::map<std::string, ConnectedAccount> accounts_;  // by idempotency key
  std::deque<std::string> order_;                     // keys, oldest first
};

}  // namespace stagecast::payments
