#pragma once
// The platform's fee on a tip, in integer minor units (never floating point).
//
// fee = amount × basis_points / 10000, rounded half up to the nearest minor unit (the exact
// half goes to the platform: $10.10 at 5% is 50.5 cents -> 51). Computed as
// (amount × bps + 5000) / 10000 in 64-bit integers; callers keep amount <= 10^12 and bps in
// [0, 10000], so the product cannot overflow and the fee never exceeds the amount.

#include <cstdint>
#include <optional>

namespace stagecast::payments {

inline constexpr int64_t kMaxBasisPoints = 10'000;
inline constexpr int64_t kMaxFeeableAmount = 1'000'000'000'000;  // 10^12 minor units

// nullopt when amount < 0, amount > kMaxFeeableAmount or bps outside [0, 10000].
std::optional<int64_t> platform_fee_cents(int64_t amount_cents, int64_t basis_points);

}  // namespace stagecast::payments
