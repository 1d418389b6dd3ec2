// OpusAacConverter on real Opus from libopus: the AAC decodes back to the same tones, in the same
// place in time, with pts continuous across loss and DTX holes and resynced after a long jump.

#include "transcode/opus_aac_converter.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "media/aac_config.h"
#include "transcode/audio_fixture.h"

namespace stagecast::transcode {
namespace {

using test::decode_aac;
using test::encode_opus_sine;
using test::rms;
using test::SineSpec;
using test::tone_frequency;

std::unique_ptr<OpusAacConverter> open_converter(OpusAacSettings settings = {}) {
  auto c = OpusAacConverter::open(settings);
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
  return c.ok() ? std::move(c).value() : nullptr;
}

std::vector<media::MediaFramePtr> convert_all(OpusAacConverter& conv,
                                              const std::vector<media::MediaFramePtr>& packets) {
  std::vector<media::MediaFramePtr> out;
  for (const auto& p : packets) EXPECT_TRUE(conv.convert(*p, out).ok());
  EXPECT_TRUE(conv.flush(out).ok());
  return out;
}

// Indexes i where frames[i].pts is not frames[i-1].pts + 1920.
std::vector<size_t> pts_breaks(const std::vector<media::MediaFramePtr>& frames) {
  std::vector<size_t> breaks;
  for (size_t i = 1; i < frames.size(); ++i)
    if (frames[i]->pts != frames[i - 1]->pts + kAacFrameTicks) breaks.push_back(i);
  return breaks;
}

TEST(OpusAacConverter, ConfigIsAacLcStereo48k) {
  auto conv = open_converter();
  ASSERT_TRUE(conv);
  const auto& config = conv->config();
  EXPECT_EQ(config.codec, media::Codec::Aac);
  EXPECT_EQ(config.codec_string(), "mp4a.40.2");
  auto asc = media::parse_aac_config(config.asc);
  ASSERT_TRUE(asc.ok());
  EXPECT_EQ(asc->object_type, 2);
  EXPECT_EQ(asc->sample_rate, 48'000);
  EXPECT_EQ(asc->channels, 2);
  EXPECT_EQ(kAacFrameTicks, 1920);
}

struct Shape {
  double frame_ms;
  int channels;
};

class OpusShapes : public ::testing::TestWithParam<Shape> {};

TEST_P(OpusShapes, ToneDecodesBackWithContinuousPts) {
  SineSpec spec;
  spec.frame_ms = GetParam().frame_ms;
  spec.channels = GetParam().channels;
  const auto opus = encode_opus_sine(spec);
  ASSERT_FALSE(opus.packets.empty());
  auto conv = open_converter();
  ASSERT_TRUE(conv);
  const auto aac = convert_all(*conv, opus.packets);

  // Every input sample is in the output, in whole 1024-sample frames, and no more.
  const int64_t in_samples = static_cast<int64_t>(opus.packets.size()) * opus.samples_per_packet;
  EXPECT_EQ(static_cast<int64_t>(aac.size()), (in_samples + 1023) / 1024);
  ASSERT_FALSE(aac.empty());
  EXPECT_EQ(aac.front()->pts, opus.packets.front()->pts);
  EXPECT_TRUE(pts_breaks(aac).empty());
  for (const auto& f : aac) {
    EXPECT_EQ(f->codec, media::Codec::Aac);
    EXPECT_EQ(f->dts, f->pts);
  }
  const auto& c = conv->counters();
  EXPECT_EQ(c.packets, opus.packets.size());
  EXPECT_EQ(c.gaps + c.late + c.resyncs + c.decode_errors, 0u);

  const auto pcm = decode_aac(conv->config(), aac);
  EXPECT_EQ(pcm.bad_frames, 0);
  EXPECT_EQ(pcm.frames, static_cast<int>(aac.size()));
  // A mono sender is heard on both sides; a stereo one keeps its channels apart.
  const double right_hz = spec.channels == 2 ? spec.right_hz : spec.left_hz;
  EXPECT_NEAR(tone_frequency(pcm.left, 0.2, 1.8), spec.left_hz, spec.left_hz * 0.01);
  EXPECT_NEAR(tone_frequency(pcm.right, 0.2, 1.8), right_hz, right_hz * 0.01);
  const double level = spec.amplitude / std::sqrt(2.0);
  EXPECT_NEAR(rms(pcm.left, 0.2, 1.8), level, level * 0.15);
  EXPECT_NEAR(rms(pcm.right, 0.2, 1.8), level, level * 0.15);
}

INSTANTIATE_TEST_SUITE_P(FrameSizesAndChannels, OpusShapes,
                         ::testing::Values(Shape{10, 2}, Shape{20, 2}, Shape{40, 2}, Shape{60, 2},
                                           Shape{20, 1}, Shape{60, 1}),
                         [](const auto& info) {
                           return std::to_string(static_cast<int>(info.param.frame_ms)) + "ms_" +
                                  (info.param.channels == 2 ? "stereo" : "mono");
                         });

// The priming packet is dropped, so a sound starts where its pts says: 200 ms of silence, then
// the tone, heard 200 ms plus libopus's 6.5 ms lookahead into the AAC (not 21.3 ms later still).
TEST(OpusAacConverter, ToneStartsAtItsTime) {
  SineSpec spec;
  spec.silent_lead = 0.2;
  spec.seconds = 1;
  const auto opus = encode_opus_sine(spec);
  auto conv = open_converter();
  ASSERT_TRUE(conv);
  const auto pcm = decode_aac(conv->config(), convert_all(*conv, opus.packets));
  size_t onset = 0;
  while (onset < pcm.left.size() && std::abs(pcm.left[onset]) < 0.1f) ++onset;
  const double onset_ms = static_cast<double>(onset) / 48.0;
  RecordProperty("onset_ms", std::to_string(onset_ms));
  EXPECT_GE(onset_ms, 200.0);
  EXPECT_LE(onset_ms, 200.0 + 6.5 + 5.0);
}

// Loss (every 5th packet for half a second) and a DTX-like hole of 300 ms: the AAC stays
// continuous, each hole is silence of exactly its length, and the tone around them is intact.
TEST(OpusAacConverter, HolesBecomeSilenceInPlace) {
  SineSpec spec;
  spec.seconds = 3;
  const auto opus = encode_opus_sine(spec);
  std::vector<media::MediaFramePtr> sent;
  uint64_t lost_samples = 0;
  uint64_t holes = 0;
  bool previous_lost = false;
  for (size_t i = 0; i < opus.packets.size(); ++i) {
    const double t = static_cast<double>(i) * 0.02;
    const bool lost = (t >= 0.5 && t < 1.0 && i % 5 == 0) || (t >= 1.5 && t < 1.8);
    if (lost) {
      lost_samples += static_cast<uint64_t>(opus.samples_per_packet);
      holes += previous_lost ? 0 : 1;
    } else {
      sent.push_back(opus.packets[i]);
    }
    previous_lost = lost;
  }
  auto conv = open_converter();
  ASSERT_TRUE(conv);
  const auto aac = convert_all(*conv, sent);
  EXPECT_TRUE(pts_breaks(aac).empty());
  EXPECT_EQ(aac.front()->pts, opus.packets.front()->pts);
  const auto& c = conv->counters();
  EXPECT_EQ(c.gaps, holes);
  EXPECT_EQ(c.silence_samples, lost_samples);
  EXPECT_EQ(c.resyncs, 0u);
  // The output spans the input: the last packet's samples are in the last frame.
  const int64_t span = opus.packets.back()->pts + 1800 - opus.packets.front()->pts;
  EXPECT_GE(aac.back()->pts + kAacFrameTicks - aac.front()->pts, span);
  EXPECT_LT(aac.back()->pts - aac.front()->pts, span);

  const auto pcm = decode_aac(conv->config(), aac);
  EXPECT_NEAR(tone_frequency(pcm.left, 0.05, 0.45), 440, 4.4);
  EXPECT_NEAR(tone_frequency(pcm.left, 1.9, 2.9), 440, 4.4);
  EXPECT_LT(rms(pcm.left, 1.55, 1.75), 0.01);  // the DTX hole, where it was
  EXPECT_GT(rms(pcm.left, 1.85, 2.0), 0.3);    // and the tone right after it
}

// A jump beyond the bound (2 s) restarts the timeline at the new pts; one of 0.9 s is filled.
TEST(OpusAacConverter, LongJumpResyncsShortOneIsFilled) {
  SineSpec spec;
  spec.seconds = 3;
  const auto opus = encode_opus_sine(spec);
  const size_t n = opus.packets.size();
  const int64_t jump = 2 * media::kTimescale;
  std::vector<media::MediaFramePtr> sent;
  for (size_t i = 0; i < n; ++i) {
    if (i < n / 3) {
      sent.push_back(opus.packets[i]);
      continue;
    }
    auto moved = std::make_shared<media::MediaFrame>(*opus.packets[i]);
    moved->pts = moved->dts = moved->pts + jump;
    sent.push_back(moved);
  }
  auto conv = open_converter();
  ASSERT_TRUE(conv);
  const auto aac = convert_all(*conv, sent);
  const auto breaks = pts_breaks(aac);
  ASSERT_EQ(breaks.size(), 1u);
  const auto& after = aac[breaks[0]];
  EXPECT_EQ(after->pts, sent[n / 3]->pts);  // the new timeline starts at the packet's own pts
  EXPECT_GT(after->pts, aac[breaks[0] - 1]->pts + jump);
  EXPECT_EQ(conv->counters().resyncs, 1u);
  EXPECT_EQ(conv->counters().gaps, 0u);
  const auto pcm = decode_aac(conv->config(), aac);
  EXPECT_EQ(pcm.bad_frames, 0);
  EXPECT_NEAR(tone_frequency(pcm.left, 0.1, 0.9), 440, 4.4);
  EXPECT_NEAR(tone_frequency(pcm.left, 1.2, 2.8), 440, 4.4);

  // 0.9 s is within the default bound of 1 s: silence, no resync.
  auto conv2 = open_converter();
  std::vector<media::MediaFramePtr> short_jump(opus.packets.begin(), opus.packets.begin() + 10);
  auto later = std::make_shared<media::MediaFrame>(*opus.packets[10]);
  later->pts = later->dts = later->pts + 81'000;
  short_jump.push_back(later);
  const auto aac2 = convert_all(*conv2, short_jump);
  EXPECT_TRUE(pts_breaks(aac2).empty());
  EXPECT_EQ(conv2->counters().silence_samples, 43'200u);
  EXPECT_EQ(conv2->counters().resyncs, 0u);
}

// A duplicate is dropped, a packet that does not decode is a hole, and neither breaks the pts.
TEST(OpusAacConverter, DuplicatesAndBrokenPackets) {
  SineSpec spec;
  spec.seconds = 1;
  const auto opus = encode_opus_sine(spec);
  std::vector<media::MediaFramePtr> sent(opus.packets.begin(), opus.packets.end());
  sent.insert(sent.begin() + 10, opus.packets[9]);  // duplicate
  auto broken = std::make_shared<media::MediaFrame>(*opus.packets[20]);
  broken->data = {0xFF};  // TOC code 3 without its frame count byte (RFC 6716 3.2.5)
  sent[21] = broken;      // replaces packet 20 (shifted by the duplicate)
  auto empty = std::make_shared<media::MediaFrame>(*opus.packets[30]);
  empty->data.clear();
  sent[31] = empty;
  auto conv = open_converter();
  ASSERT_TRUE(conv);
  const auto aac = convert_all(*conv, sent);
  EXPECT_TRUE(pts_breaks(aac).empty());
  const auto& c = conv->counters();
  EXPECT_EQ(c.late, 1u);
  EXPECT_EQ(c.decode_errors, 2u);
  EXPECT_EQ(c.gaps, 2u);
  EXPECT_EQ(c.silence_samples, 2u * 960u);
}

// After flush() (the publisher stopped) the next packet starts a new timeline.
TEST(OpusAacConverter, FlushThenNewTimeline) {
  SineSpec spec;
  spec.seconds = 0.5;
  const auto opus = encode_opus_sine(spec);
  auto conv = open_converter();
  ASSERT_TRUE(conv);
  auto first = convert_all(*conv, opus.packets);
  ASSERT_FALSE(first.empty());
  std::vector<media::MediaFramePtr> again;
  for (const auto& p : opus.packets) {
    auto moved = std::make_shared<media::MediaFrame>(*p);
    moved->pts = moved->dts = p->pts + 10 * media::kTimescale;
    again.push_back(moved);
  }
  const auto second = convert_all(*conv, again);
  ASSERT_EQ(second.size(), first.size());
  EXPECT_EQ(second.front()->pts, again.front()->pts);
  EXPECT_TRUE(pts_breaks(second).empty());
  EXPECT_EQ(conv->counters().resyncs, 0u);
}

}  // namespace
}  // namespace stagecast::transcode
