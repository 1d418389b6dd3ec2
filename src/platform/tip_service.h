#pragma once
// Tips through Stripe Connect, applied exactly once (DESIGN.md, Money; docs/payments.md).
// Synchronous: run it on a worker pool, never on an I/O thread (it calls the store and the
// payment provider, which blocks on the network).
//
// Creating a tip (POST /api/livestream/{id}/tips):
//  1. amount (integer minor units, min..max), currency (the configured one) and the optional
//     message (chat rules: UTF-8, no control characters, length, blocked words of the stream and
//     of configuration) are checked: validation_failed, nothing written;
//  2. the access policy decides (TIP: signed in, may watch, not the owner, LIVE stream, verified
//     artist, not banned or timed out);
//  3. the tip is stored PENDING with fee = round-half-up(amount × bps / 10000) and the
//     idempotency key "stagecast-tip-<tip id>";
//  4. the provider creates the PaymentIntent (amount, application_fee_amount = fee,
//     transfer_data[destination] = the artist's account, metadata stream_id/tip_id/fan_id) with
//     that idempotency key;
//  5. its id is stored on the tip; the client secret goes back to the fan's browser only.
// A crash or error between 3 and 5 leaves a PENDING tip without a payment id, which cannot be
// charged (only the browser holding the client secret can confirm). A retry with the same
// client Idempotency-Key maps to the same tip id (derived from fan, stream and key), so it asks
// the provider again with the same idempotency key and gets the same PaymentIntent: never two
// charges. A webhook for a PaymentIntent whose id was never stored finds its tip through
// metadata.tip_id. A definitive refusal by the provider (rejected, declined) marks the tip FAILED.
//
// Webhooks (POST /api/webhooks/stripe, and the sandbox's confirmations):
//  * the Stripe-Signature over the exact raw bytes is verified first; nothing is written for an
//    unverified body;
//  * every verified event is recorded in payment_events (insert-if-new by event id); an event
//    already applied changes nothing; one recorded but not applied (a crash, or deferred below)
//    is applied now;
//  * payment_intent.succeeded: PENDING/FAILED -> SUCCEEDED (stream totals in the same
//    transaction), then the TIP chat line (id = tip id, so it exists once) and the listeners;
//    payment_intent.payment_failed: PENDING -> FAILED (a failure after a success changes
//    nothing); charge.refunded (fully refunded): SUCCEEDED/DISPUTED -> REFUNDED;
//    charge.dispute.created: SUCCEEDED -> DISPUTED; charge.dispute.closed: won -> SUCCEEDED,
//    lost -> REFUNDED. A refund or dispute that arrives before the success it follows is kept
//    unapplied ("deferred") and applied right after the success;
//  * events are applied one at a time per node (a mutex); the store's compare-and-set
//    transitions keep several nodes safe.

#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "payments/payment_provider.h"
#include "payments/sandbox_provider.h"
#include "payments/stripe_event.h"
#include "payments/stripe_signature.h"
#include "platform/chat_text.h"
#include "platform/identity.h"
#include "platform/payment_event_handler.h"
#include "platform/stream_service.h"
#include "platform/tip_events.h"
#include "store/store.h"

namespace stagecast::platform {

struct TipSettings {
  int64_t fee_basis_points = 500;  // 5%
  int64_t min_cents = 100;         // $1
  int64_t max_cents = 100'000;     // $1,000
  std::string currency = "usd";
  size_t max_message_chars = 500;          // as chat
  std::vector<std::string> blocked_words;  // global, on top of each stream's own
};

struct TipInput {
  int64_t amount_cents = 0;
  std::optional<std::string> currency;    // absent: the configured currency
  std::optional<std::string> message;     // absent, null or blank: no message
  std::optional<std::string> client_key;  // the request's Idempotency-Key, if any
};

struct CreatedTip {
  store::Tip tip;
  std::string client_secret;  // for Stripe.js; never logged, never stored
};

inline constexpr size_t kMaxClientKeyBytes = 128;

class TipService {
 public:
  // All collaborators are borrowed and must outlive the service. `sandbox` is the provider
  // itself when it is the sandbox (for confirm_sandbox_payment), else null.
  TipService(store::Store& store, StreamService& streams, payments::PaymentProvider& provider,
             const payments::WebhookVerifier& verifier, const Clock& clock, TipSettings settings,
             payments::SandboxProvider* sandbox = nullptr);

  // Not owned; must outlive the service. Add them while wiring, before serving.
  void add_listener(TipEvents& listener);
  // Other kinds of payment on the same webhook pipeline (tickets): asked, in the order added,
  // about each event that names no tip. Not owned; add while wiring, before serving.
  void add_event_handler(PaymentEventHandler& handler);

  // Errors: validation_failed, the TIP refusals of the policy (login_required, cannot_tip_self,
  // stream_not_live, stream_ended, artist_not_verified, banned, timed_out,
  // subscription_required, ...), not_found, conflict (Idempotency-Key reused for another tip),
  // db_unavailable, the payment errors (payments/payment_errors.h).
  Result<CreatedTip> create(const Identity& caller, const std::string& stream_id,
                            const TipInput& input);

  // The raw body exactly as received and its Stripe-Signature header. Errors: signature_*,
  // event_malformed (nothing written), db_unavailable (the provider retries the delivery).
  Result<WebhookOutcome> handle_webhook(std::string_view payload, std::string_view signature);

  // Sandbox only: plays the fan's browser confirming the payment and Stripe sending the event;
  // the signed event goes through handle_webhook. The tip's fan (or an admin) only.
  // Errors: not_found (no sandbox, unknown payment), forbidden, as handle_webhook.
  Result<WebhookOutcome> confirm_sandbox_payment(const Identity& caller,
                                                 const std::string& payment_id, bool succeed);

  // Sandbox only: plays the artist finishing Stripe's onboarding (account.updated with charges
  // and payouts enabled), through handle_webhook. Errors: not_found (no sandbox), as
  // handle_webhook.
  Result<WebhookOutcome> complete_sandbox_onboarding(const std::string& account_id);

  // Applies events recorded but never applied (a crash between recording and applying). Call
  // once at start-up, on a worker thread. Returns how many were applied.
  Result<int> recover();

  const TipSettings& settings() const { return settings_; }
  std::string_view provider_name() const { return provider_->name(); }

 private:
  Result<store::Tip> existing_or_new(const store::Tip& tip, bool derived_id);
  Result<WebhookOutcome> apply_and_record(const payments::WebhookEvent& event);
  Result<WebhookOutcome> apply(const payments::WebhookEvent& event);
  Result<std::optional<store::Tip>> find_tip(const payments::WebhookEvent& event);
  Result<WebhookOutcome> on_succeeded(const payments::WebhookEvent& event, store::Tip tip);
  Result<WebhookOutcome> move(const payments::WebhookEvent& event, const store::Tip& tip,
                              store::TipStatus to, std::string_view effect);
  Result<std::optional<store::ChatMessage>> ensure_chat_line(const store::Tip& tip);
  void replay_deferred(const std::string& payment_intent_id);
  Result<void> mark_applied(const std::string& event_id);
  void notify(const store::Tip& tip, const store::ChatMessage& line);

  store::Store* store_;
  StreamService* streams_;
  payments::PaymentProvider* provider_;
  const payments::WebhookVerifier* verifier_;
  const Clock* clock_;
  TipSettings settings_;
  BlockedWords global_words_;
  payments::SandboxProvider* sandbox_;
  std::mutex apply_mutex_;
  std::shared_mutex listeners_mutex_;
  std::vector<TipEvents*> listeners_;
  std::vector<PaymentEventHandler*> handlers_;  // set while wiring, read-only afterwards
};

// Errors: validation_failed (naming 'message'). Blank -> nullopt.
Result<std::optional<std::string>> checked_tip_message(const std::optional<std::string>& raw,
                                                       size_t max_chars);

}  // namespace stagecast::platform
