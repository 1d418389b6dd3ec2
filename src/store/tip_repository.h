#pragma once
// Tips and their payment status. Status only moves along allowed edges (tip_transition_allowed),
// so webhook events arriving late, twice or out of order cannot undo a final state.

#include <cstdint>
#include <string>

#include "core/result.h"
#include "store/records.h"

namespace stagecast::store {

// PENDING -> SUCCEEDED | FAILED; FAILED -> SUCCEEDED (the fan retried the same PaymentIntent);
// SUCCEEDED -> REFUNDED | DISPUTED; DISPUTED -> SUCCEEDED (dispute won) | REFUNDED (lost).
bool tip_transition_allowed(TipStatus from, TipStatus to);

struct TipTransition {
  Tip tip;               // after the call
  bool changed = false;  // false when the tip already had the target status (a repeated event)
};

// Sums over SUCCEEDED tips.
struct TipTotals {
  int64_t count = 0;
  int64_t gross_cents = 0;
  int64_t fee_cents = 0;
};

class TipRepository {
 public:
  virtual ~TipRepository() = default;

  // Inserts a tip in PENDING (status of the argument ignored); assigns an id when empty.
  // conflict: idempotency_key (or provider_payment_id) taken. invalid_argument: amount <= 0,
  // fee < 0 or > amount, unknown stream/fan/artist.
  virtual Result<Tip> create_pending(const Tip& t) = 0;
  virtual Result<Tip> find(const std::string& id) = 0;
  virtual Result<Tip> find_by_idempotency_key(const std::string& key) = 0;
  virtual Result<Tip> find_by_provider_payment_id(const std::string& provider,
                                                  const std::string& payment_id) = 0;
  // Records the provider's payment id once it exists. conflict: taken by another tip.
  virtual Result<void> set_provider_payment_id(const std::string& id,
                                               const std::string& payment_id,
                                               int64_t now_ms) = 0;
  // Moves the tip to `to` when the edge is allowed; a tip already in `to` is left alone
  // (changed = false). Entering or leaving SUCCEEDED adjusts the stream's tip_count,
  // tip_gross_cents and tip_fee_cents in the same transaction. invalid_transition otherwise.
  virtual Result<TipTransition> transition(const std::string& id, TipStatus to,
                                           int64_t now_ms) = 0;
  virtual Result<TipTotals> totals_for_stream(const std::string& stream_id) = 0;
  // Newest first (the operator page).
  virtual Result<std::vector<Tip>> list_recent(int limit) = 0;
};

}  // namespace stagecast::store
