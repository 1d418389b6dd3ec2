#include "payments/fee.h"

namespace stagecast::payments {

std::optional<int64_t> platform_fee_cents(int64_t amount_cents, int64_t basis_points) {
  if (amount_cents < 0 || amount_cents > kMaxFeeableAmount) return std::nullopt;
  if (basis_points < 0 || basis_points > kMaxBasisPoints) return std::nullopt;
  return (amount_cents * basis_points + kMaxBasisPoints / 2) / kMaxBasisPoints;
}

}  // namespace stagecast::payments
