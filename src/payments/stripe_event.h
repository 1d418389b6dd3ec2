#pragma once
// A webhook event (Stripe API reference, "The Event object"): what the tips need from it, read
// from the verified raw body. Strict where it matters (id, type, data.object must be there, of
// the right JSON type), lenient elsewhere (Stripe adds fields in new API versions).
//
//   payment_intent.succeeded / .payment_failed   data.object is a PaymentIntent: id, metadata
//   charge.refunded                              data.object is a Charge: payment_intent,
//                                                refunded (true once fully refunded), metadata
//   charge.dispute.created / .closed             data.object is a Dispute: payment_intent,
//                                                status ("won", "lost", ...)
//   account.updated                              data.object is an Account: id,
//                                                charges_enabled, payouts_enabled,
//                                                requirements.disabled_reason
//
// payment_intent may be an id or an expanded object; both are read.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace stagecast::payments {

struct WebhookEvent {
  std::string id;    // evt_...
  std::string type;  // e.g. "payment_intent.succeeded"
  int64_t created = 0;
  std::string object_type;  // data.object.object: "payment_intent", "charge", "dispute", ...
  std::string object_id;    // data.object.id
  // The PaymentIntent the event is about: the object itself for payment_intent.*, its
  // payment_intent field for charges and disputes.
  std::optional<std::string> payment_intent_id;
  std::map<std::string, std::string> metadata;  // string values of data.object.metadata
  std::optional<int64_t> amount;                // data.object.amount
  std::optional<std::string> currency;          // data.object.currency
  std::optional<bool> refunded;                 // charges: fully refunded
  std::optional<std::string> status;            // data.object.status
  // Accounts (object_type "account"): both must be true for an artist to be paid.
  std::optional<bool> charges_enabled;
  std::optional<bool> payouts_enabled;
  std::optional<std::string>
      disabled_reason;  // requirements.disabled_reason, e.g. "rejected.fraud"
};

inline constexpr size_t kMaxEventBytes = 512 * 1024;

// Errors: event_malformed (not JSON, not an object, nested too deeply, id/type/data.object
// missing or of the wrong type, too large). Never throws.
Result<WebhookEvent> parse_webhook_event(std::string_view payload);

}  // namespace stagecast::payments
