// LoginThrottle: per-account waits that double after the free failures, per-address buckets,
// bounded memory.
#include "platform/login_throttle.h"

#include <gtest/gtest.h>

namespace stagecast::platform {
namespace {

using std::chrono::milliseconds;

TEST(LoginThrottle, AccountWaitsDoubleAfterTheFreeFailuresAndASuccessClearsThem) {
  LoginThrottle t({.free_failures = 2, .attempts_per_minute = 1e9, .attempts_burst = 1e9});
  int64_t now = 1'000'000;
  for (int i = 0; i < 2; ++i) {
    EXPECT_FALSE(t.admit("Fan@Example.com", "10.0.0.1:1", now));
    t.failed("fan@example.com", now);
  }
  EXPECT_FALSE(t.admit("fan@example.com", "10.0.0.1:1", now));
  t.failed("fan@example.com", now);  // third: 1 s
  EXPECT_EQ(t.admit("FAN@example.com", "10.0.0.9:1", now), milliseconds(1000));
  now += 1000;
  EXPECT_FALSE(t.admit("fan@example.com", "10.0.0.1:1", now));
  t.failed("fan@example.com", now);  // fourth: 2 s
  EXPECT_EQ(t.admit("fan@example.com", "10.0.0.1:1", now), milliseconds(2000));
  for (int i = 0; i < 40; ++i) t.failed("fan@example.com", now);
  EXPECT_EQ(t.admit("fan@example.com", "10.0.0.1:1", now), milliseconds(15 * 60 * 1000));
  t.succeeded("fan@example.com");
  EXPECT_FALSE(t.admit("fan@example.com", "10.0.0.1:1", now));
  EXPECT_FALSE(t.admit("other@example.com", "10.0.0.1:1", now));
}

TEST(LoginThrottle, AnAddressHasABucketOfAttempts) {
  LoginThrottle t({.attempts_per_minute = 60, .attempts_burst = 3});
  const int64_t now = 5'000;
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(t.admit("", "192.0.2.1:1000", now)) << i;
  EXPECT_EQ(t.admit("", "192.0.2.1:2000", now), milliseconds(1000));  // the port does not matter
  EXPECT_FALSE(t.admit("", "192.0.2.2:1000", now));
  EXPECT_FALSE(t.admit("", "192.0.2.1:1000", now + 1000));  // one a second comes back
  EXPECT_FALSE(t.admit("", "[2001:db8::1]:443", now));
}

TEST(LoginThrottle, MemoryIsBounded) {
  LoginThrottle t({.free_failures = 0, .max_tracked = 100});
  for (int i = 0; i < 10'000; ++i) {
    const std::string who = "user" + std::to_string(i) + "@example.com";
    t.failed(who, i);
    (void)t.admit(who, "198.51.100." + std::to_string(i % 250) + ":1", i);
  }
  EXPECT_LE(t.tracked(), 200u);
}

TEST(LoginThrottle, AddressHostDropsThePort) {
  EXPECT_EQ(address_host("127.0.0.1:5555"), "127.0.0.1");
  EXPECT_EQ(address_host("[::1]:5555"), "::1");
  EXPECT_EQ(address_host("unknown"), "unknown");
}

}  // namespace
}  // namespace stagecast::platform
