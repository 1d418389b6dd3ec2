#pragma once
// Tickets for PAID streams (docs/payments.md, Tickets): one row per (stream, fan). A purchase's
// status only moves along allowed edges (ticket_transition_allowed) with compare-and-set updates,
// so webhook events arriving late, twice or out of order, on any node, change a ticket once.

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/records.h"

namespace stagecast::store {

// PENDING -> PAID | FAILED; FAILED -> PAID (the fan tried again with the same PaymentIntent);
// PAID -> REFUNDED | DISPUTED | REVOKED; DISPUTED -> PAID (won) | REFUNDED (lost). REFUNDED and
// REVOKED are left only by a new purchase attempt or a grant, never by an event.
bool ticket_transition_allowed(TicketStatus from, TicketStatus to);

struct TicketTransition {
  StreamTicket ticket;   // after the call
  bool changed = false;  // false when nothing changed (already in that state)
  TicketStatus from = TicketStatus::kPending;
};

struct TicketOpening {
  StreamTicket ticket;
  bool created = false;  // false: the fan already had a ticket row, returned as it is
};

// Sales of one stream: purchases that admit (PAID; a disputed payment is held, so not counted, as
// for tips), and tickets given away (grants and comps that admit).
struct TicketTotals {
  int64_t sold = 0;
  int64_t gross_cents = 0;
  int64_t fee_cents = 0;
  int64_t given = 0;
};

class TicketRepository {
 public:
  virtual ~TicketRepository() = default;

  // Inserts `t` as a PENDING PURCHASE (attempt 1) unless (stream_id, fan_id) already has a row,
  // which is then returned unchanged (created = false). Assigns an id when empty.
  // invalid_argument: unknown stream, amount <= 0, fee outside 0..amount.
  virtual Result<TicketOpening> open_purchase(const StreamTicket& t) = 0;
  // A new purchase attempt on a ticket that does not admit (FAILED, REFUNDED, REVOKED, or PENDING
  // past the provider's idempotency window): PENDING, PURCHASE, attempt + 1, no payment id, the
  // given price. Compare-and-set on `expected_attempt`: conflict when another request did it
  // first or the ticket admits meanwhile.
  virtual Result<StreamTicket> restart_purchase(const std::string& id, int expected_attempt,
                                                int64_t amount_cents, const std::string& currency,
                                                int64_t fee_cents, const std::string& provider,
                                                int64_t now_ms) = 0;
  // Records the attempt's PaymentIntent once it exists. conflict: another id is already there,
  // the attempt moved on, or another ticket has that payment id.
  virtual Result<void> set_provider_payment_id(const std::string& id, int attempt,
                                               const std::string& payment_id, int64_t now_ms) = 0;
  // Moves a ticket along an allowed edge (changed = false when already in `to`);
  // invalid_transition otherwise.
  virtual Result<TicketTransition> transition(const std::string& id, TicketStatus to,
                                              int64_t now_ms) = 0;
  // A ticket given by the platform (GRANT) or the owner (COMP): inserted or set PAID with that
  // source. A ticket that already admits is left as it is (changed = false).
  // invalid_argument: unknown stream, source PURCHASE.
  virtual Result<TicketTransition> grant(const std::string& stream_id, const std::string& fan_id,
                                         TicketSource source, const std::string& granted_by,
                                         const std::string& currency, int64_t now_ms) = 0;
  // Takes back a granted or comped ticket (PAID -> REVOKED). not_found: no ticket;
  // invalid_transition: a purchase (refunds go through the payment provider).
  virtual Result<TicketTransition> revoke_grant(const std::string& stream_id,
                                                const std::string& fan_id, int64_t now_ms) = 0;

  // not_found when the fan has no ticket row.
  virtual Result<StreamTicket> find(const std::string& stream_id, const std::string& fan_id) = 0;
  virtual Result<StreamTicket> find_by_id(const std::string& id) = 0;
  virtual Result<StreamTicket> find_by_provider_payment_id(const std::string& provider,
                                                           const std::string& payment_id) = 0;
  // True only for a ticket that admits (PAID or DISPUTED).
  virtual Result<bool> has_paid_ticket(const std::string& stream_id, const std::string& fan_id) = 0;
  virtual Result<std::vector<StreamTicket>> list_for_stream(const std::string& stream_id) = 0;
  virtual Result<TicketTotals> totals_for_stream(const std::string& stream_id) = 0;
};

}  // namespace stagecast::store
