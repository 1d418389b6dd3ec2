#include "payments/fee.h"

#include <gtest/gtest.h>

namespace stagecast::payments {
namespace {

TEST(PlatformFee, FivePercentOfRoundAmounts) {
  EXPECT_EQ(platform_fee_cents(1000, 500), 50);       // $10 -> $0.50
  EXPECT_EQ(platform_fee_cents(100, 500), 5);         // the $1 minimum
  EXPECT_EQ(platform_fee_cents(100000, 500), 5000);   // the $1,000 maximum
  EXPECT_EQ(platform_fee_cents(0, 500), 0);
}

TEST(PlatformFee, RoundsHalfUpToTheCent) {
  EXPECT_EQ(platform_fee_cents(1010, 500), 51);  // 50.5 -> 51: the half goes up
  EXPECT_EQ(platform_fee_cents(1009, 500), 50);  // 50.45 -> 50
  EXPECT_EQ(platform_fee_cents(1011, 500), 51);  // 50.55 -> 51
  EXPECT_EQ(platform_fee_cents(101, 500), 5);    // 5.05 -> 5
  EXPECT_EQ(platform_fee_cents(110, 500), 6);    // 5.5 -> 6
  EXPECT_EQ(platform_fee_cents(109, 500), 5);    // 5.45 -> 5
  EXPECT_EQ(platform_fee_cents(1, 5000), 1);     // 0.5 -> 1
  EXPECT_EQ(platform_fee_cents(1, 4999), 0);     // 0.4999 -> 0
  EXPECT_EQ(platform_fee_cents(333, 333), 11);   // 11.0889 -> 11
  EXPECT_EQ(platform_fee_cents(999, 250), 25);   // 24.975 -> 25
}

TEST(PlatformFee, EveryAmountMatchesTheDefinition) {
  // Against the definition in exact rational arithmetic: fee is the integer nearest to
  // amount*bps/10000, halves rounded up, and never more than the amount.
  for (int64_t bps : {0, 1, 250, 500, 733, 1000, 9999, 10000}) {
    for (int64_t amount = 0; amount <= 20000; amount += 7) {
      const int64_t fee = *platform_fee_cents(amount, bps);
      // 2 * (fee - exact) * 10000 lies in (-10000, 10000]: half up.
      const int64_t twice_error = 2 * (fee * 10000 - amount * bps);
      EXPECT_GT(twice_error, -10000) << amount << " " << bps;
      EXPECT_LE(twice_error, 10000) << amount << " " << bps;
      EXPECT_LE(fee, amount);
    }
  }
}

TEST(PlatformFee, RefusesWhatWouldNotMakeSense) {
  EXPECT_FALSE(platform_fee_cents(-1, 500));
  EXPECT_FALSE(platform_fee_cents(100, -1));
  EXPECT_FALSE(platform_fee_cents(100, 10001));
  EXPECT_FALSE(platform_fee_cents(kMaxFeeableAmount + 1, 500));
  EXPECT_EQ(platform_fee_cents(kMaxFeeableAmount, 10000), kMaxFeeableAmount);  // no overflow
}

}  // namespace
}  // namespace stagecast::payments
