#include "ingest/webrtc/av_timeline.h"

#include <gtest/gtest.h>

namespace stagecast::ingest::webrtc {
namespace {

using namespace std::chrono_literals;
using TimePoint = AvTimeline::TimePoint;

media::MediaFramePtr frame(media::TrackKind kind) {
  auto f = std::make_shared<media::MediaFrame>();
  f->kind = kind;
  f->codec = kind == media::TrackKind::Video ? media::Codec::H264 : media::Codec::Opus;
  f->data = {1, 2, 3};
  return f;
}

// NTP for a wall time in seconds.
uint64_t ntp(double seconds) {
  const auto whole = static_cast<uint64_t>(seconds);
  return (whole << 32) |
         static_cast<uint64_t>((seconds - static_cast<double>(whole)) * 4294967296.0);
}

TEST(AvTimeline, VideoAdvancesByExactRtpDifferencesFromZero) {
  AvTimeline t({.has_audio = false});
  std::vector<media::MediaFramePtr> out;
  const TimePoint t0 = TimePoint{} + 10s;
  for (int i = 0; i < 5; ++i)
    t.push(frame(media::TrackKind::Video), 4'000'000'000LL + 3000 * i, t0 + 33ms * i, out);
  ASSERT_EQ(out.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(out[i]->pts, 3000 * i);
    EXPECT_EQ(out[i]->dts, out[i]->pts);
  }
}

TEST(AvTimeline, VideoTimeOfAnRtpTimeIsWhatItsFrameIsStampedWith) {
  AvTimeline t({.has_audio = false});
  std::vector<media::MediaFramePtr> out;
  const TimePoint t0 = TimePoint{} + 10s;
  EXPECT_FALSE(t.video_time(4'000'000'000LL).has_value());  // not placed yet
  t.push(frame(media::TrackKind::Video), 4'000'000'000LL, t0, out);
  t.push(frame(media::TrackKind::Video), 4'000'003'000LL, t0 + 33ms, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(t.video_time(4'000'003'000LL), out[1]->pts);
  EXPECT_EQ(t.video_time(4'000'006'000LL), out[1]->pts + 3000);  // a packet of the next frame
  EXPECT_FALSE(t.video_time(3'999'000'000LL).has_value());       // before the start
}

TEST(AvTimeline, ArrivalAlignmentThenOneCorrectionFromSenderReports) {
  AvTimeline t({.has_audio = true});
  std::vector<media::MediaFramePtr> out;
  const TimePoint t0 = TimePoint{} + 100s;
  // Video RTP 90 kHz starting at 1'000'000, audio 48 kHz at 500'000; audio arrives 40 ms later.
  t.push(frame(media::TrackKind::Video), 1'000'000, t0, out);
  t.push(frame(media::TrackKind::Audio), 500'000, t0 + 40ms, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(t.mode(), AlignmentMode::ArrivalTimes);
  EXPECT_EQ(out[0]->pts, 0);
  EXPECT_EQ(out[1]->pts, 3600);  // 40 ms after the video
  // The reports say the first audio sample was captured 100 ms after the first video frame.
  t.on_sender_report(media::TrackKind::Video, ntp(5000.0), 1'000'000 + 90'000);      // +1 s
  t.on_sender_report(media::TrackKind::Audio, ntp(5000.0 + 0.1), 500'000 + 48'000);  // +1 s
  EXPECT_EQ(t.mode(), AlignmentMode::SenderReports);
  ASSERT_TRUE(t.report_correction());
  EXPECT_EQ(*t.report_correction(), 9000 - 3600);
  out.clear();
  t.push(frame(media::TrackKind::Audio), 500'000 + 960, t0 + 60ms, out);
  t.push(frame(media::TrackKind::Video), 1'000'000 + 3000, t0 + 70ms, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]->pts, 9000 + 1800);  // 20 ms after the audio's corrected start
  EXPECT_EQ(out[1]->pts, 3000);         // video never moves
}

TEST(AvTimeline, ReportsBeforeTheStartAlignAtOnceWhenHolding) {
  AvTimeline t({.has_audio = true, .report_wait = 1s});
  std::vector<media::MediaFramePtr> out;
  const TimePoint t0 = TimePoint{} + 100s;
  t.push(frame(media::TrackKind::Audio), 10'000, t0, out);
  EXPECT_TRUE(out.empty());  // held: no report yet
  t.on_sender_report(media::TrackKind::Video, ntp(7000.0), 50'000);
  t.on_sender_report(media::TrackKind::Audio, ntp(7000.0), 10'000);
  t.push(frame(media::TrackKind::Video), 50'000 + 9000, t0 + 5ms, out);
  EXPECT_EQ(t.mode(), AlignmentMode::SenderReports);
  ASSERT_EQ(out.size(), 2u);
  // Audio's first sample at NTP 7000.0, video's first frame 100 ms later: audio is the base.
  EXPECT_EQ(out[0]->kind, media::TrackKind::Audio);
  EXPECT_EQ(out[0]->pts, 0);
  EXPECT_EQ(out[1]->pts, 9000);
}

TEST(AvTimeline, HoldIsBoundedAndEndsAfterTheWait) {
  AvTimeline t({.has_audio = true, .report_wait = 500ms, .max_held_frames = 10});
  std::vector<media::MediaFramePtr> out;
  const TimePoint t0 = TimePoint{} + 100s;
  for (int i = 0; i < 20; ++i) t.push(frame(media::TrackKind::Video), 3000 * i, t0 + 10ms * i, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(t.dropped(), 10u);
  t.poll(t0 + 600ms, out);
  EXPECT_EQ(t.mode(), AlignmentMode::ArrivalTimes);
  ASSERT_EQ(out.size(), 10u);
  EXPECT_EQ(out.front()->pts, 30'000);  // the oldest ten were dropped, the rest keep their times
}

}  // namespace
}  // namespace stagecast::ingest::webrtc
