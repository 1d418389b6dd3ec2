#include "store/tip_repository.h"

namespace stagecast::store {

bool tip_transition_allowed(TipStatus from, TipStatus to) {
  switch (from) {
    case TipStatus::kPending:
      return to == TipStatus::kSucceeded || to == TipStatus::kFailed;
    case TipStatus::kFailed:
      // A PaymentIntent that failed may still succeed when the fan retries with another card.
      return to == TipStatus::kSucceeded;
    case TipStatus::kSucceeded:
      return to == TipStatus::kRefunded || to == TipStatus::kDisputed;
    case TipStatus::kDisputed:
      return to == TipStatus::kSucceeded || to == TipStatus::kRefunded;
    case TipStatus::kRefunded:
      return false;
  }
  return false;
}

}  // namespace stagecast::store
