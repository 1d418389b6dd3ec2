#include "ingest/rtmp/rtmp_timestamps.h"

#include <gtest/gtest.h>

namespace stagecast::ingest::rtmp {
namespace {

using media::TrackKind;

TEST(Timestamps, StartAtZeroAndScaleTo90kHz) {
  RtmpTimestampMapper m;
  EXPECT_EQ(m.map(TrackKind::Video, 5000), 0);
  EXPECT_EQ(m.map(TrackKind::Audio, 5000), 0);
  EXPECT_EQ(m.map(TrackKind::Video, 5033), 33 * 90);
  EXPECT_EQ(m.map(TrackKind::Audio, 5021), 21 * 90);
}

TEST(Timestamps, UnwrapThe32BitMillisecondClock) {
  RtmpTimestampMapper m;
  uint32_t ts = 0xffffffffu - 100;
  int64_t last = m.map(TrackKind::Video, ts);
  for (int i = 0; i < 10; ++i) {
    ts += 33;  // wraps on the fourth step
    const int64_t dts = m.map(TrackKind::Video, ts);
    EXPECT_EQ(dts - last, 33 * 90);
    last = dts;
  }
  EXPECT_EQ(m.jumps_smoothed(), 0u);
}

TEST(Timestamps, BigForwardJumpIsBridgedByOneFrameOnBothTracks) {
  RtmpTimestampMapper m;
  int64_t v = 0;
  int64_t a = 0;
  for (uint32_t t = 0; t <= 1000; t += 20) {
    v = m.map(TrackKind::Video, t);
    a = m.map(TrackKind::Audio, t);
  }
  // The encoder jumps an hour ahead on both tracks.
  const int64_t v2 = m.map(TrackKind::Video, 3'600'000);
  const int64_t a2 = m.map(TrackKind::Audio, 3'600'000);
  EXPECT_EQ(v2 - v, 20 * 90);
  EXPECT_EQ(a2 - a, 20 * 90);
  // And continues normally from there.
  EXPECT_EQ(m.map(TrackKind::Video, 3'600'020) - v2, 20 * 90);
  EXPECT_EQ(m.jumps_smoothed(), 2u);
}

TEST(Timestamps, BackwardJumpKeepsDtsMonotonic) {
  RtmpTimestampMapper m;
  int64_t last = 0;
  for (uint32_t t = 100'000; t <= 110'000; t += 40) last = m.map(TrackKind::Video, t);
  const int64_t after = m.map(TrackKind::Video, 500);  // encoder restarted its clock
  EXPECT_GT(after, last);
  EXPECT_EQ(m.map(TrackKind::Video, 540) - after, 40 * 90);
}

TEST(Timestamps, SmallReorderIsClampedStrictlyIncreasing) {
  RtmpTimestampMapper m;
  const int64_t a = m.map(TrackKind::Audio, 1000);
  const int64_t b = m.map(TrackKind::Audio, 999);
  const int64_t c = m.map(TrackKind::Audio, 999);
  EXPECT_GT(b, a);
  EXPECT_GT(c, b);
  EXPECT_EQ(m.jumps_smoothed(), 0u);
}

}  // namespace
}  // namespace stagecast::ingest::rtmp
