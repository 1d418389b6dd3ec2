#pragma once
// The Stripe API over HTTPS with libcurl (Stripe API reference: "Authentication", "Errors",
// "Idempotent requests", "Versioning"; "Create a PaymentIntent", "Create an account", "Create an
// account link").
//
//  * Requests are form-encoded POSTs to <api_base_url>/v1/..., authenticated with the secret key
//    as a bearer token, pinned to one API version (Stripe-Version), each with an
//    Idempotency-Key so that a retry (ours or a caller's) returns the first result instead of
//    creating a second object.
//  * Timeouts bound every call (connect and total). Network errors, 429 and 5xx answers are
//    retried a few times with the same idempotency key after a short backoff, unless Stripe says
//    Stripe-Should-Retry: false.
//  * Answers map to payment_errors.h: 402 -> payment_declined, 401/403 ->
//    payment_provider_misconfigured, 409 idempotency_error -> payment_idempotency_conflict,
//    other 4xx -> payment_provider_rejected (with Stripe's message), 429/5xx/network ->
//    payment_provider_unavailable, an unreadable 2xx -> payment_provider_error.
//  * The secret key and client secrets never reach a log line; Stripe's Request-Id does.
//  * Blocking: call it from worker threads only. Thread-safe: easy handles are pooled so
//    connections (and TLS sessions) are reused across calls.

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "payments/form_encoding.h"
#include "payments/payment_provider.h"

namespace stagecast::payments {

struct StripeClientOptions {
  std::string api_base_url = "https://api.stripe.com";  // no trailing slash needed
  std::string secret_key;                               // sk_live_... / sk_test_...
  std::string api_version = "2024-06-20";
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds request_timeout{20'000};
  int max_retries = 2;
  std::chrono::milliseconds retry_backoff{300};  // doubled on each retry
};

class StripeClient final : public PaymentProvider {
 public:
  // Errors: invalid_config (no secret key, base URL not http(s)://, bad timeouts).
  static Result<std::unique_ptr<StripeClient>> create(StripeClientOptions options);
  ~StripeClient() override;
  StripeClient(const StripeClient&) = delete;
  StripeClient& operator=(const StripeClient&) = delete;

  std::string_view name() const override { return "stripe"; }
  bool is_sandbox() const override { return false; }
  Result<PaymentIntent> create_payment_intent(const PaymentIntentRequest& request) override;
  Result<ConnectedAccount> create_connected_account(const ConnectedAccountRequest& request) override;
  Result<AccountLink> create_account_link(const AccountLinkRequest& request) override;

  // POST <base>/v1/<path> with `fields`; the JSON body of a 2xx answer. Errors as above.
  Result<std::string> post(std::string_view path, const FormFields& fields,
                           const std::string& idempotency_key);

 private:
  struct HandleDeleter {
    void operator()(void* handle) const;
  };
  using Handle = std::unique_ptr<void, HandleDeleter>;
  struct Attempt;

  explicit StripeClient(StripeClientOptions options);
  Handle acquire();
  void release(Handle handle);
  Attempt attempt(void* handle, const std::string& url, const std::string& body,
                  const std::string& idempotency_key);

  StripeClientOptions options_;
  std::mutex pool_mutex_;
  std::vector<Handle> pool_;
};

}  // namespace stagecast::payments
