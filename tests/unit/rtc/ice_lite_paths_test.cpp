#include "rtc/ice_lite_paths.h"

#include <gtest/gtest.h>

#include "whep/rtp_packet_cache.h"

namespace stagecast::rtc {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

TEST(IceLitePaths, TheNewestPathAnswersUntilTheControllingPeerNominates) {
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);
  IceLitePaths ice(t0);
  EXPECT_FALSE(ice.selected());
  EXPECT_FALSE(ice.on_binding(1, false, t0));
  EXPECT_EQ(ice.selected(), 1u);
  EXPECT_FALSE(ice.on_binding(2, false, t0));
  EXPECT_EQ(ice.selected(), 2u);  // a new valid path, before any nomination
  EXPECT_TRUE(ice.on_binding(1, true, t0));
  EXPECT_EQ(ice.selected(), 1u);
  EXPECT_FALSE(ice.on_binding(3, false, t0 + milliseconds(5)));
  EXPECT_EQ(ice.selected(), 1u);              // nominated: a new path does not take over
  EXPECT_FALSE(ice.on_binding(1, true, t0));  // the same nomination again
  // The nominated path closes: the other valid path checked last (3) carries on.
  ice.on_path_closed(1, t0 + milliseconds(10));
  EXPECT_EQ(ice.selected(), 3u);
  EXPECT_TRUE(ice.on_binding(2, true, t0 + milliseconds(20)));
  EXPECT_EQ(ice.selected(), 2u);
}

TEST(IceLitePaths, ConsentExpiresWithoutChecksOrWithoutAPath) {
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);
  const milliseconds timeout(30'000);
  IceLitePaths ice(t0);
  // Not established yet: no path is the connection's timeout, not consent's.
  EXPECT_FALSE(ice.consent_expired(t0 + timeout * 2, timeout, false));
  ice.on_binding(7, true, t0);
  EXPECT_FALSE(ice.consent_expired(t0 + timeout - milliseconds(1), timeout, true));
  EXPECT_TRUE(ice.consent_expired(t0 + timeout, timeout, true));
  ice.on_binding(7, true, t0 + timeout);  // a fresh check
  EXPECT_FALSE(ice.consent_expired(t0 + timeout + milliseconds(5), timeout, true));
  ice.on_path_closed(7, t0 + timeout);
  EXPECT_FALSE(ice.selected());
  EXPECT_FALSE(ice.consent_expired(t0 + timeout * 2 - milliseconds(1), timeout, true));
  EXPECT_TRUE(ice.consent_expired(t0 + timeout * 2, timeout, true));
  // An ICE restart forgets the paths and gives consent a fresh timeout.
  ice.reset(t0 + timeout * 2);
  EXPECT_TRUE(ice.empty());
  EXPECT_FALSE(ice.consent_expired(t0 + timeout * 3 - milliseconds(1), timeout, true));
}

TEST(RtpPacketCache, KeepsTheLastPacketsBySequenceAcrossTheWrap) {
  whep::RtpPacketCache cache(8);
  for (uint32_t i = 0; i < 12; ++i) {
    RtpHeaderFields h;
    h.sequence = static_cast<uint16_t>(65530 + i);
    h.timestamp = 1000 * i;
    auto payload = std::make_shared<const Bytes>(Bytes{static_cast<uint8_t>(i)});
    cache.put(h, payload, *payload);
  }
  // The 8 newest (65534 .. 65535, 0 .. 5) are there; the 4 oldest were overwritten.
  EXPECT_EQ(cache.get(65530), nullptr);
  EXPECT_EQ(cache.get(65533), nullptr);
  ASSERT_NE(cache.get(65534), nullptr);
  EXPECT_EQ(Bytes(cache.get(65534)->payload.begin(), cache.get(65534)->payload.end()), Bytes{4});
  EXPECT_EQ(cache.get(65534)->header.timestamp, 4000u);
  ASSERT_NE(cache.get(5), nullptr);
  // The payload outlives its producer: the slot holds a reference to it.
  EXPECT_EQ(Bytes(cache.get(5)->payload.begin(), cache.get(5)->payload.end()), Bytes{11});
  EXPECT_EQ(cache.get(6), nullptr);  // never sent
}

}  // namespace
}  // namespace stagecast::rtc
