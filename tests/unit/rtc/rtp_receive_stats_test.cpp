#include "rtc/rtp_receive_stats.h"

#include <gtest/gtest.h>

namespace stagecast::rtc {
namespace {

using namespace std::chrono_literals;
using TimePoint = RtpReceiveStats::TimePoint;

TEST(RtpReceiveStats, LossAndFractionPerInterval) {
  RtpReceiveStats stats(0x1234, 90'000);
  const TimePoint t0{};
  // 100 packets sent, 10 lost (every tenth), across the 16-bit wrap.
  uint16_t seq = 65500;
  for (int i = 0; i < 100; ++i, ++seq) {
    if (i % 10 == 5) continue;
    stats.on_packet(seq, 3000u * static_cast<uint32_t>(i), t0 + 33ms * i);
  }
  auto block = stats.report(t0 + 4s);
  EXPECT_EQ(block.ssrc, 0x1234u);
  EXPECT_EQ(block.cumulative_lost, 10);
  EXPECT_EQ(block.fraction_lost, (10 << 8) / 100);  // RFC 3550 6.4.1: lost/expected in 1/256
  EXPECT_EQ(block.highest_sequence, (1u << 16) + 65500u + 99u - 65536u);
  EXPECT_EQ(block.last_sr, 0u);
  // The next interval has no loss.
  for (int i = 0; i < 10; ++i, ++seq) stats.on_packet(seq, 0, t0 + 5s);
  block = stats.report(t0 + 6s);
  EXPECT_EQ(block.fraction_lost, 0);
  EXPECT_EQ(block.cumulative_lost, 10);
}

TEST(RtpReceiveStats, JitterOfSteadyArrivalIsZeroAndLsrDlsrFollowTheReport) {
  RtpReceiveStats stats(1, 90'000);
  const TimePoint t0{};
  for (int i = 0; i < 50; ++i)
    stats.on_packet(static_cast<uint16_t>(i), 3000u * i,
                    t0 + std::chrono::microseconds(33'333 * i));
  const uint64_t ntp = (0x12345678ULL << 32) | 0x9abcdef0ULL;
  stats.on_sender_report(ntp, t0 + 2s);
  auto block = stats.report(t0 + 2s + 500ms);
  EXPECT_LE(block.jitter, 2u);
  EXPECT_EQ(block.last_sr, 0x56789abcu);                 // the middle 32 bits
  EXPECT_NEAR(block.delay_since_last_sr, 65536 / 2, 2);  // 0.5 s in 1/65536 s
}

TEST(RtpReceiveStats, JitterGrowsWithIrregularArrival) {
  RtpReceiveStats stats(1, 90'000);
  const TimePoint t0{};
  for (int i = 0; i < 100; ++i) {
    const auto wobble = (i % 2) ? 20ms : 0ms;
    stats.on_packet(static_cast<uint16_t>(i), 3000u * i, t0 + 33ms * i + wobble);
  }
  // 20 ms of alternating delay: about 20 ms of jitter (1800 ticks) once it converged.
  EXPECT_NEAR(static_cast<double>(stats.report(t0 + 5s).jitter), 1800.0, 300.0);
}

}  // namespace
}  // namespace stagecast::rtc
