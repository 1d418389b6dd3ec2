#include "transcode/audio_fixture.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "transcode/av_handles.h"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

namespace stagecast::transcode::test {
namespace {

constexpr int kRate = 48'000;

media::MediaFramePtr opus_frame(const AVPacket& p, int64_t rtp) {
  auto f = std::make_shared<media::MediaFrame>();
  f->kind = media::TrackKind::Audio;
  f->codec = media::Codec::Opus;
  f->keyframe = true;
  f->pts = f->dts = rtp_to_pts(rtp);
  f->data.assign(p.data, p.data + p.size);
  return f;
}

}  // namespace

int64_t rtp_to_pts(int64_t rtp) {
  return rtp * media::kTimescale / kRate;
}

OpusPackets encode_opus_sine(const SineSpec& spec) {
  OpusPackets result;
  const AVCodec* codec = avcodec_find_encoder_by_name("libopus");
  EXPECT_NE(codec, nullptr) << "FFmpeg without libopus";
  if (!codec) return result;
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  ctx->sample_rate = kRate;
  ctx->sample_fmt = AV_SAMPLE_FMT_FLT;
  av_channel_layout_default(&ctx->ch_layout, spec.channels);
  ctx->bit_rate = spec.channels * 48'000;
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "frame_duration", std::to_string(spec.frame_ms).c_str(), 0);
  const int opened = avcodec_open2(ctx.get(), codec, &opts);
  av_dict_free(&opts);
  EXPECT_GE(opened, 0) << av_error_text(opened);
  if (opened < 0) return result;
  result.samples_per_packet = ctx->frame_size;

  auto frame = make_frame();
  frame->format = AV_SAMPLE_FMT_FLT;
  frame->sample_rate = kRate;
  frame->nb_samples = ctx->frame_size;
  av_channel_layout_copy(&frame->ch_layout, &ctx->ch_layout);
  EXPECT_GE(av_frame_get_buffer(frame.get(), 0), 0);
  auto packet = make_packet();
  // Packets are labelled by their index, as a WebRTC sender stamps each with the RTP time of
  // its first captured sample (libopus's own pts would subtract its lookahead).
  int64_t index = 0;
  auto drain = [&] {
    while (avcodec_receive_packet(ctx.get(), packet.get()) >= 0) {
      result.packets.push_back(opus_frame(*packet, spec.first_rtp + index * ctx->frame_size));
      ++index;
      av_packet_unref(packet.get());
    }
  };
  const auto total = static_cast<int64_t>(spec.seconds * kRate);
  const auto lead = static_cast<int64_t>(spec.silent_lead * kRate);
  for (int64_t at = 0; at < total; at += ctx->frame_size) {
    EXPECT_GE(av_frame_make_writable(frame.get()), 0);
    auto* out = reinterpret_cast<float*>(frame->data[0]);
    for (int i = 0; i < ctx->frame_size; ++i) {
      const int64_t n = at + i;
      const double t = static_cast<double>(n) / kRate;
      const bool on = n >= lead;
      out[i * spec.channels] =
          on ? static_cast<float>(spec.amplitude *
                                  std::sin(2 * std::numbers::pi * spec.left_hz * t))
             : 0.0f;
      if (spec.channels == 2)
        out[i * 2 + 1] = on ? static_cast<float>(spec.amplitude *
                                                 std::sin(2 * std::numbers::pi * spec.right_hz * t))
                            : 0.0f;
    }
    frame->pts = at;
    EXPECT_GE(avcodec_send_frame(ctx.get(), frame.get()), 0);
    drain();
  }
  avcodec_send_frame(ctx.get(), nullptr);
  drain();
  return result;
}

DecodedAac decode_aac(const media::AudioConfig& config,
                      const std::vector<media::MediaFramePtr>& frames) {
  DecodedAac out;
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_AAC);
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  ctx->extradata =
      static_cast<uint8_t*>(av_mallocz(config.asc.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  std::copy(config.asc.begin(), config.asc.end(), ctx->extradata);
  ctx->extradata_size = static_cast<int>(config.asc.size());
  EXPECT_GE(avcodec_open2(ctx.get(), codec, nullptr), 0);
  auto packet = make_packet();
  auto frame = make_frame();
  for (const auto& f : frames) {
    av_packet_unref(packet.get());
    EXPECT_GE(av_new_packet(packet.get(), static_cast<int>(f->data.size())), 0);
    std::copy(f->data.begin(), f->data.end(), packet->data);
    if (avcodec_send_packet(ctx.get(), packet.get()) < 0) {
      ++out.bad_frames;
      continue;
    }
    while (avcodec_receive_frame(ctx.get(), frame.get()) >= 0) {
      ++out.frames;
      if (frame->nb_samples != 1024 || frame->format != AV_SAMPLE_FMT_FLTP ||
          frame->ch_layout.nb_channels != 2)
        ++out.bad_frames;
      const auto* l = reinterpret_cast<const float*>(frame->extended_data[0]);
      const auto* r = reinterpret_cast<const float*>(frame->extended_data[1]);
      out.left.insert(out.left.end(), l, l + frame->nb_samples);
      out.right.insert(out.right.end(), r, r + frame->nb_samples);
      av_frame_unref(frame.get());
    }
  }
  return out;
}

double tone_frequency(const std::vector<float>& s, double from_s, double to_s) {
  const auto from = static_cast<size_t>(from_s * kRate);
  const auto to = std::min(s.size(), static_cast<size_t>(to_s * kRate));
  if (to <= from + 1) return 0;
  int crossings = 0;
  for (size_t i = from + 1; i < to; ++i) crossings += (s[i - 1] < 0 && s[i] >= 0) ? 1 : 0;
  return crossings / (static_cast<double>(to - from) / kRate);
}

double rms(const std::vector<float>& s, double from_s, double to_s) {
  const auto from = static_cast<size_t>(from_s * kRate);
  const auto to = std::min(s.size(), static_cast<size_t>(to_s * kRate));
  if (to <= from) return 0;
  double sum = 0;
  for (size_t i = from; i < to; ++i) sum += static_cast<double>(s[i]) * s[i];
  return std::sqrt(sum / static_cast<double>(to - from));
}

}  // namespace stagecast::transcode::test
