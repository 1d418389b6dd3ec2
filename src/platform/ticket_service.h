#pragma once
// Tickets to PAID streams through Stripe Connect, on the money path of tips (docs/payments.md,
// Tickets). Synchronous: run it on a worker pool, never on an I/O thread.
//
// Buying (POST /api/livestream/{id}/tickets):
//  1. the optional amountCents/currency the buyer confirmed: integers within the ticket limits,
//     the configured currency (validation_failed, nothing written);
//  2. the stream: PAID (not_a_paid_stream), not ENDED (stream_ended), its price within the limits
//     and currency (ticket_price_unavailable), its artist verified (artist_not_verified); the
//     caller signed in, not the owner or an admin (cannot_buy_own_ticket), not banned, and not
//     already able to watch without a ticket;
//  3. one ticket per (stream, fan): the row is opened PENDING with the stream's current price
//     and fee, or the fan's existing ticket is returned:
//       * admitting (PAID, DISPUTED): returned as it is, nothing charged;
//       * PENDING or FAILED with its PaymentIntent: the same PaymentIntent again (same
//         idempotency key, same parameters): never a second charge. Its price is the one the
//         fan was shown when that checkout began;
//       * REFUNDED, REVOKED, FAILED before any PaymentIntent existed, or PENDING for longer than
//         the provider's idempotency window: a new attempt at the current price;
//  4. the PaymentIntent: amount, application_fee_amount, transfer_data[destination], metadata
//     stream_id/ticket_id/fan_id/kind=ticket, Idempotency-Key stagecast-ticket-<id>-<attempt>;
//     its id is stored on the ticket, the client secret goes to the buyer only.
//
// Webhooks arrive through TipService's pipeline (PaymentEventHandler): verified, recorded,
// applied exactly once in any order. payment_intent.succeeded: PENDING/FAILED -> PAID (the fan
// may watch at once); payment_failed: PENDING -> FAILED; charge.refunded (full) and a lost
// dispute: -> REFUNDED (access ends, playback tokens stop working, the fan leaves the room);
// dispute created: PAID -> DISPUTED (access kept while it is open); won: -> PAID. A refund or
// dispute before its success is deferred, as for tips. Events about a grant or comp change
// nothing.

#include <chrono>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "payments/payment_provider.h"
#include "payments/sandbox_provider.h"
#include "platform/identity.h"
#include "platform/payment_event_handler.h"
#include "platform/stream_service.h"
#include "platform/ticket_events.h"
#include "platform/tip_service.h"
#include "store/store.h"

namespace stagecast::platform {

struct TicketSettings {
  int64_t fee_basis_points = 500;
  int64_t min_cents = 100;      // payments.min_ticket_cents
  int64_t max_cents = 100'000;  // payments.max_ticket_cents
  std::string currency = "usd";
  // Stripe keeps idempotency keys for 24 hours; a checkout older than this gets a new attempt.
  std::chrono::milliseconds intent_reuse_window = std::chrono::hours(23);
};

struct TicketPurchaseInput {
  std::optional<int64_t> amount_cents;  // what the buyer was shown; checked when given
  std::optional<std::string> currency;
};

struct TicketPurchase {
  store::StreamTicket ticket;
  std::string client_secret;  // empty when the ticket already admits; never logged or stored
};

class TicketService final : public PaymentEventHandler {
 public:
  // All borrowed; must outlive the service. `webhooks` is the pipeline the sandbox's signed
  // events go through. `sandbox` is the provider when it is the sandbox, else null.
  TicketService(store::Store& store, StreamService& streams, payments::PaymentProvider& provider,
                TipService& webhooks, const Clock& clock, TicketSettings settings,
                payments::SandboxProvider* sandbox = nullptr);

  void add_listener(TicketEvents& listener);

  // Errors: validation_failed, not_found, login_required, not_a_paid_stream, stream_ended,
  // ticket_price_unavailable, price_changed, cannot_buy_own_ticket, banned, artist_not_verified,
  // conflict (the same ticket being bought concurrently: retry), db_unavailable, payment errors.
  Result<TicketPurchase> purchase(const Identity& caller, const std::string& stream_id,
                                  const TicketPurchaseInput& input);
  // The caller's ticket. Errors: not_found (none), db_unavailable.
  Result<store::StreamTicket> mine(const Identity& caller, const std::string& stream_id);

  // The platform's admin API: a ticket sold elsewhere (or taken back). Errors: not_found (no
  // stream / no ticket), validation_failed, conflict (revoking a purchase), db_unavailable.
  Result<store::StreamTicket> grant(const std::string& stream_id, const std::string& fan_id);
  Result<store::StreamTicket> revoke_grant(const std::string& stream_id, const std::string& fan_id);
  // The owner (or an admin) gives a ticket away, or takes a comp back. Errors: not_found,
  // login_required, not_owner, validation_failed, conflict, db_unavailable.
  Result<store::StreamTicket> comp(const Identity& caller, const std::string& stream_id,
                                   const std::string& fan_id);
  Result<store::StreamTicket> uncomp(const Identity& caller, const std::string& stream_id,
                                     const std::string& fan_id);

  // Sandbox only: the buyer's browser confirming and Stripe's event, through the pipeline.
  // Errors: not_found (no sandbox, no ticket with that payment), forbidden, as handle_webhook.
  Result<WebhookOutcome> confirm_sandbox_payment(const Identity& caller,
                                                 const std::string& payment_id, bool succeed);

  // PaymentEventHandler
  Result<std::optional<WebhookOutcome>> apply_payment_event(
      const payments::WebhookEvent& event) override;

  const TicketSettings& settings() const { return settings_; }

 private:
  Result<store::StreamTicket> open_or_restart(const store::StreamTicket& wanted, bool& reuse);
  Result<std::optional<store::StreamTicket>> find_ticket(const payments::WebhookEvent& e);
  Result<WebhookOutcome> move(const payments::WebhookEvent& e, const store::StreamTicket& t,
                              store::TicketStatus to, std::string_view effect);
  Result<store::StreamTicket> given(Result<store::TicketTransition> changed);
  // comp/uncomp: a valid fan id and the caller managing the stream, else the refusal (`what`
  // names the act in its message).
  Result<void> owner_may(const Identity& caller, const std::string& stream_id,
                         const std::string& fan_id, std::string_view what);
  void notify(const store::StreamTicket& ticket);

  store::Store* store_;
  StreamService* streams_;
  payments::PaymentProvider* provider_;
  TipService* webhooks_;
  const Clock* clock_;
  TicketSettings settings_;
  payments::SandboxProvider* sandbox_;
  std::shared_mutex listeners_mutex_;
  std::vector<TicketEvents*> listeners_;
};

}  // namespace stagecast::platform
