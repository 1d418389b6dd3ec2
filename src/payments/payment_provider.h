#pragma once
// What the platform asks of a payment provider (DESIGN.md, Money): destination charges through
// Stripe Connect, and Express accounts for artists. Two implementations: StripeClient (the real
// API over HTTPS) and SandboxProvider (in process, for the embedded default; never in
// production). Calls block (network): run them on worker threads, never on an I/O thread.
// Implementations are thread-safe.
//
// Webhook events are not the provider's business: WebhookVerifier (stripe_signature.h) checks
// them for either provider, since the sandbox signs its events exactly as Stripe does.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace stagecast::payments {

// A destination charge (Stripe API reference, "Create a PaymentIntent"): `amount_cents` is
// charged to the fan; `application_fee_cents` stays with the platform; the rest is transferred
// to `destination_account` (transfer_data[destination]).
struct PaymentIntentRequest {
  int64_t amount_cents = 0;
  std::string currency;  // lowercase ISO 4217, e.g. "usd"
  int64_t application_fee_cents = 0;
  std::string destination_account;  // acct_...
  std::vector<std::pair<std::string, std::string>> metadata;  // metadata[key]=value
  std::string description;
  // Sent as the Idempotency-Key header: the same key always yields the same PaymentIntent, so a
  // retried request never charges twice.
  std::string idempotency_key;
};

struct PaymentIntent {
  std::string id;             // pi_...
  std::string client_secret;  // for Stripe.js on the fan's browser; never logged
  std::string status;         // e.g. "requires_payment_method"
};

// An Express connected account for an artist (Stripe API reference, "Create an account").
struct ConnectedAccountRequest {
  std::string email;
  std::string user_id;          // metadata[user_id]
  std::string idempotency_key;  // one account per artist, however often onboarding is started
};

struct ConnectedAccount {
  std::string id;  // acct_...
};

// An onboarding link (Stripe API reference, "Create an account link", type account_onboarding).
struct AccountLinkRequest {
  std::string account_id;
  std::string refresh_url;  // where Stripe sends the artist when the link has expired
  std::string return_url;   // where Stripe sends the artist when they are done
};

struct AccountLink {
  std::string url;  // single use, short-lived: hand it to the artist, never log it
  int64_t expires_at = 0;  // unix seconds
};

class PaymentProvider {
 public:
  virtual ~PaymentProvider() = default;

  // "stripe" or "sandbox": stored with each tip and each webhook event.
  virtual std::string_view name() const = 0;
  virtual bool is_sandbox() const = 0;

  // Errors: payment_errors.h.
  virtual Result<PaymentIntent> create_payment_intent(const PaymentIntentRequest& request) = 0;
  virtual Result<ConnectedAccount> create_connected_account(
      const ConnectedAccountRequest& request) = 0;
  virtual Result<AccountLink> create_account_link(const AccountLinkRequest& request) = 0;
};

}  // namespace stagecast::payments
