// AacOpusConverter (WHEP's audio): real AAC in (a libopus sine converted by OpusAacConverter, as
// a WHIP stream's hub carries it), Opus out, decoded back with libavcodec's Opus decoder.
#include "transcode/aac_opus_converter.h"

#include <gtest/gtest.h>

#include <cmath>

#include "transcode/audio_fixture.h"
#include "transcode/opus_aac_converter.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
}

namespace stagecast::transcode {
namespace {

using test::encode_opus_sine;

struct AacStream {
  media::AudioConfig config;
  std::vector<media::MediaFramePtr> frames;
};

AacStream aac_sine(double seconds) {
  test::SineSpec spec;
  spec.seconds = seconds;
  const auto opus = encode_opus_sine(spec);
  auto conv = OpusAacConverter::open({});
  EXPECT_TRUE(conv.ok());
  AacStream out;
  out.config = (*conv)->config();
  for (const auto& p : opus.packets) EXPECT_TRUE((*conv)->convert(*p, out.frames).ok());
  EXPECT_TRUE((*conv)->flush(out.frames).ok());
  return out;
}

// The RMS of the left channel of the Opus packets decoded (48 kHz stereo float).
double decoded_rms(const std::vector<media::MediaFramePtr>& packets, int* bad) {
  const AVCodec* codec = avcodec_find_decoder_by_name("opus");
  AVCodecContext* ctx = avcodec_alloc_context3(codec);
  av_channel_layout_default(&ctx->ch_layout, 2);
  ctx->sample_rate = 48000;
  EXPECT_EQ(avcodec_open2(ctx, codec, nullptr), 0);
  AVPacket* pkt = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();
  double sum = 0;
  int64_t n = 0;
  *bad = 0;
  for (const auto& p : packets) {
    pkt->data = const_cast<uint8_t*>(p->data.data());
    pkt->size = static_cast<int>(p->data.size());
    if (avcodec_send_packet(ctx, pkt) < 0) {
      ++*bad;
      continue;
    }
    while (avcodec_receive_frame(ctx, frame) == 0) {
      const float* left = reinterpret_cast<const float*>(frame->extended_data[0]);
      for (int i = 0; i < frame->nb_samples; ++i) sum += double(left[i]) * left[i];
      n += frame->nb_samples;
      av_frame_unref(frame);
    }
  }
  av_frame_free(&frame);
  av_packet_free(&pkt);
  avcodec_free_context(&ctx);
  return n ? std::sqrt(sum / double(n)) : 0;
}

TEST(AacOpusConverter, ToneComesOutAsTwentyMillisecondOpusOnTheSameClock) {
  const AacStream aac = aac_sine(2);
  ASSERT_GT(aac.frames.size(), 80u);
  auto conv = AacOpusConverter::open(aac.config, {});
  ASSERT_TRUE(conv.ok()) << conv.error().message;
  std::vector<media::MediaFramePtr> out;
  for (const auto& f : aac.frames) ASSERT_TRUE((*conv)->convert(*f, out).ok());
  ASSERT_TRUE((*conv)->flush(out).ok());
  // 2 s of AAC is about 100 packets of 20 ms (the encoder's look-ahead and the last partial
  // packet aside).
  EXPECT_GE(out.size(), 95u);
  EXPECT_LE(out.size(), 102u);
  EXPECT_EQ(out.front()->pts, aac.frames.front()->pts);
  for (size_t i = 1; i < out.size(); ++i) {
    EXPECT_EQ(out[i]->codec, media::Codec::Opus);
    EXPECT_EQ(out[i]->pts - out[i - 1]->pts, 1800) << i;
  }
  int bad = 0;
  const double rms = decoded_rms(out, &bad);
  EXPECT_EQ(bad, 0);
  EXPECT_NEAR(rms, 0.5 / std::sqrt(2.0), 0.08);  // the sine's amplitude came through
  EXPECT_EQ((*conv)->counters().packets_out, out.size());
  EXPECT_EQ((*conv)->counters().resyncs, 0u);
}

TEST(AacOpusConverter, AJumpOfTheInputRestartsTheTimelineThere) {
  const AacStream aac = aac_sine(2);
  auto conv = AacOpusConverter::open(aac.config, {});
  ASSERT_TRUE(conv.ok());
  std::vector<media::MediaFramePtr> out;
  const size_t half = aac.frames.size() / 2;
  for (size_t i = 0; i < half; ++i) ASSERT_TRUE((*conv)->convert(*aac.frames[i], out).ok());
  const size_t before = out.size();
  const int64_t jump = 10 * media::kTimescale;  // a publisher that came back 10 s later
  for (size_t i = half; i < aac.frames.size(); ++i) {
    auto moved = std::make_shared<media::MediaFrame>(*aac.frames[i]);
    moved->pts += jump;
    moved->dts += jump;
    ASSERT_TRUE((*conv)->convert(*moved, out).ok());
  }
  EXPECT_EQ((*conv)->counters().resyncs, 1u);
  ASSERT_GT(out.size(), before + 10);
  EXPECT_EQ(out[before]->pts, aac.frames[half]->pts + jump);
}

TEST(AacOpusConverter, BrokenFramesAreCountedNotFatal) {
  const AacStream aac = aac_sine(1);
  auto conv = AacOpusConverter::open(aac.config, {});
  ASSERT_TRUE(conv.ok());
  std::vector<media::MediaFramePtr> out;
  media::MediaFrame garbage;
  garbage.kind = media::TrackKind::Audio;
  garbage.codec = media::Codec::Aac;
  garbage.pts = garbage.dts = aac.frames[0]->pts;
  garbage.data = Bytes(300, 0xFF);
  ASSERT_TRUE((*conv)->convert(garbage, out).ok());
  media::MediaFrame empty = garbage;
  empty.data.clear();
  ASSERT_TRUE((*conv)->convert(empty, out).ok());
  EXPECT_GE((*conv)->counters().decode_errors, 1u);
  for (const auto& f : aac.frames) ASSERT_TRUE((*conv)->convert(*f, out).ok());
  EXPECT_GT(out.size(), 40u);
  // No configuration to decode with: a clear error, not a crash.
  EXPECT_FALSE(AacOpusConverter::open(media::AudioConfig{}, {}).ok());
}

}  // namespace
}  // namespace stagecast::transcode
