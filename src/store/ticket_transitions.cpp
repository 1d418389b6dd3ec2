#include "store/ticket_repository.h"

namespace stagecast::store {

bool ticket_transition_allowed(TicketStatus from, TicketStatus to) {
  switch (from) {
    case TicketStatus::kPending:
      return to == TicketStatus::kPaid || to == TicketStatus::kFailed;
    case TicketStatus::kFailed:
      // A PaymentIntent that failed may still succeed when the fan tries another card.
      return to == TicketStatus::kPaid;
    case TicketStatus::kPaid:
      return to == TicketStatus::kRefunded || to == TicketStatus::kDisputed ||
             to == TicketStatus::kRevoked;
    case TicketStatus::kDisputed:
      return to == TicketStatus::kPaid || to == TicketStatus::kRefunded;
    case TicketStatus::kRefunded:
    case TicketStatus::kRevoked:
      return false;
  }
  return false;
}

}  // namespace stagecast::store
