#include "rtc/rtp_reorder_buffer.h"

#include <gtest/gtest.h>

namespace stagecast::rtc {
namespace {

using namespace std::chrono_literals;
using Clock = RtpReorderBuffer::Clock;

std::vector<uint16_t> sequences(const std::vector<ReleasedPacket>& out) {
  std::vector<uint16_t> s;
  for (const auto& p : out) s.push_back(p.sequence);
  return s;
}

TEST(RtpReorderBuffer, ReordersAcrossTheWrap) {
  RtpReorderBuffer buf;
  const auto t = Clock::time_point{} + 1s;
  std::vector<ReleasedPacket> out;
  for (uint16_t s : {65534, 0, 65535, 1}) {
    EXPECT_EQ(buf.push(s, Bytes{static_cast<uint8_t>(s)}, t), PushResult::Buffered);
    buf.pop_ready(t, out);
  }
  EXPECT_EQ(sequences(out), (std::vector<uint16_t>{65534, 65535, 0, 1}));
  for (const auto& p : out) EXPECT_FALSE(p.after_loss);
  EXPECT_EQ(buf.lost(), 0u);
}

TEST(RtpReorderBuffer, DuplicatesAndLatePackets) {
  RtpReorderBuffer buf;
  const auto t = Clock::time_point{} + 1s;
  std::vector<ReleasedPacket> out;
  EXPECT_EQ(buf.push(10, {}, t), PushResult::Buffered);
  EXPECT_EQ(buf.push(12, {}, t), PushResult::Buffered);
  EXPECT_EQ(buf.push(12, {}, t), PushResult::Duplicate);
  buf.pop_ready(t, out);
  EXPECT_EQ(sequences(out), std::vector<uint16_t>{10});
  EXPECT_EQ(buf.push(10, {}, t), PushResult::Late);
  EXPECT_EQ(buf.duplicates(), 1u);
  EXPECT_EQ(buf.late(), 1u);
}

TEST(RtpReorderBuffer, ReportsMissingForNack) {
  RtpReorderBuffer buf;
  const auto t = Clock::time_point{} + 1s;
  std::vector<ReleasedPacket> out;
  for (uint16_t s : {100, 103, 106}) buf.push(s, {}, t);
  buf.pop_ready(t, out);
  EXPECT_EQ(buf.missing(), (std::vector<uint16_t>{101, 102, 104, 105}));
  buf.push(101, {}, t);
  buf.push(102, {}, t);
  buf.pop_ready(t, out);
  EXPECT_EQ(sequences(out), (std::vector<uint16_t>{100, 101, 102, 103}));
  EXPECT_EQ(buf.missing(), (std::vector<uint16_t>{104, 105}));
}

TEST(RtpReorderBuffer, GivesUpAHoleAfterMaxWait) {
  RtpReorderBuffer buf(ReorderBufferOptions{512, 100ms, 3000});
  const auto t0 = Clock::time_point{} + 1s;
  std::vector<ReleasedPacket> out;
  buf.push(1, {}, t0);
  buf.push(3, {}, t0 + 10ms);
  buf.push(4, {}, t0 + 20ms);
  buf.pop_ready(t0 + 50ms, out);
  EXPECT_EQ(sequences(out), std::vector<uint16_t>{1});
  buf.pop_ready(t0 + 110ms, out);
  EXPECT_EQ(sequences(out), (std::vector<uint16_t>{1, 3, 4}));
  EXPECT_TRUE(out[1].after_loss);
  EXPECT_FALSE(out[2].after_loss);
  EXPECT_EQ(buf.lost(), 1u);
  EXPECT_EQ(buf.push(2, {}, t0 + 120ms), PushResult::Late);
}

TEST(RtpReorderBuffer, BoundedSize) {
  RtpReorderBuffer buf(ReorderBufferOptions{8, 10s, 3000});
  const auto t = Clock::time_point{} + 1s;
  std::vector<ReleasedPacket> out;
  buf.push(0, {}, t);
  for (uint16_t s = 2; s < 20; ++s) {
    buf.push(s, {}, t);
    buf.pop_ready(t, out);
    EXPECT_LT(buf.size(), 8u);
  }
  EXPECT_EQ(buf.lost(), 1u);
  EXPECT_EQ(out.back().sequence, 19);
}

TEST(RtpReorderBuffer, RestartedSender) {
  RtpReorderBuffer buf;
  const auto t = Clock::time_point{} + 1s;
  std::vector<ReleasedPacket> out;
  buf.push(100, {}, t);
  buf.pop_ready(t, out);
  EXPECT_EQ(buf.push(30000, {}, t), PushResult::Restarted);
  buf.push(30001, {}, t);
  buf.pop_ready(t, out);
  EXPECT_EQ(sequences(out), (std::vector<uint16_t>{100, 30000, 30001}));
  EXPECT_TRUE(out[1].after_loss);
}

}  // namespace
}  // namespace stagecast::rtc
