#pragma once
// The webhook pipeline (TipService: Stripe-Signature verification, payment_events recording,
// exactly-once application, deferral of refunds and disputes that arrive before their success,
// recovery after a crash) is shared by every kind of payment. Tips are its own; other kinds
// (tickets) plug in as a PaymentEventHandler and are asked about every event that names no tip.

#include <optional>
#include <string>

#include "core/result.h"
#include "payments/stripe_event.h"

namespace stagecast::platform {

struct WebhookOutcome {
  std::string event_id;
  std::string type;
  bool duplicate = false;  // recorded and applied before: nothing was done
  // What it did: succeeded (tips) / paid (tickets), failed, refunded, disputed, dispute_won,
  // dispute_lost, deferred, unchanged (the status already ruled it out), partial_refund,
  // unmatched (no payment of ours), ignored (a type we do not use), duplicate.
  std::string effect;
  std::optional<std::string> tip_id;
  std::optional<std::string> ticket_id;
  // Set by a handler when the payment has just succeeded: refunds and disputes of the same
  // PaymentIntent kept back ("deferred") are applied now.
  bool releases_deferred = false;
};

class PaymentEventHandler {
 public:
  virtual ~PaymentEventHandler() = default;

  // nullopt: the event is about none of this handler's payments. Called on a worker thread,
  // one event at a time per node (the pipeline's lock is held: do not call back into it). An
  // outcome with effect "deferred" leaves the event unapplied, to be offered again after the
  // payment's success. Errors: db_unavailable (the provider redelivers).
  virtual Result<std::optional<WebhookOutcome>> apply_payment_event(
      const payments::WebhookEvent& event) = 0;
};

}  // namespace stagecast::platform
