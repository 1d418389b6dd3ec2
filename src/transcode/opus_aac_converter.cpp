#include "transcode/opus_aac_converter.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "transcode/ffmpeg_log.h"

extern "C" {
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/mathematics.h>
}

namespace stagecast::transcode {
namespace {

constexpr int kChannels = 2;

Error av_failure(const std::string& what, int err) {
  return make_error("transcode_failed", what + ": " + av_error_text(err));
}

void free_fifo(AVAudioFifo* f) {
  av_audio_fifo_free(f);
}

// 48 kHz samples between two 90 kHz timestamps. The pts were made from the 48 kHz RTP clock by
// truncation (less than a tick, i.e. under 0.47 of a sample, each), so rounding gets the exact
// RTP sample distance back.
int64_t samples_between(int64_t from_pts, int64_t to_pts) {
  return std::llround(static_cast<double>(to_pts - from_pts) * kAacSampleRate / media::kTimescale);
}

}  // namespace

OpusAacConverter::OpusAacConverter(const OpusAacSettings& settings, CodecContextPtr decoder)
    : settings_(settings),
      decoder_(std::move(decoder)),
      decoded_(make_frame()),
      pcm_(make_frame()),
      packet_(make_packet()),
      fifo_(av_audio_fifo_alloc(AV_SAMPLE_FMT_FLTP, kChannels, 4 * kAacFrameSamples), free_fifo) {}

OpusAacConverter::~OpusAacConverter() = default;

Result<std::unique_ptr<OpusAacConverter>> OpusAacConverter::open(const OpusAacSettings& settings) {
  route_ffmpeg_log();
  // The native decoder, by name: it outputs 48 kHz planar float, what the AAC encoder takes
  // (libopus would give interleaved samples and need a conversion step).
  const AVCodec* codec = avcodec_find_decoder_by_name("opus");
  if (!codec) return make_error("transcode_failed", "libavcodec has no Opus decoder");
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) return make_error("transcode_failed", "out of memory");
  // No OpusHead in WebRTC (RFC 7587 has no pre-skip): stereo output at 48 kHz; a mono packet
  // is upmixed by the decoder, so a sender switching between mono and stereo changes nothing.
  av_channel_layout_default(&ctx->ch_layout, kChannels);
  ctx->sample_rate = kAacSampleRate;
  if (int e = avcodec_open2(ctx.get(), codec, nullptr); e < 0)
    return av_failure("opening the Opus decoder", e);
  if (ctx->sample_fmt != AV_SAMPLE_FMT_FLTP || ctx->sample_rate != kAacSampleRate)
    return make_error("transcode_failed", "the Opus decoder does not give 48 kHz planar float");

  auto conv = std::make_unique<OpusAacConverter>(settings, std::move(ctx));
  if (!conv->decoded_ || !conv->pcm_ || !conv->packet_ || !conv->fifo_)
    return make_error("transcode_failed", "out of memory");
  if (auto r = conv->open_encoder(); !r) return r.error();
  conv->config_.codec = media::Codec::Aac;
  conv->config_.asc.assign(conv->encoder_->extradata,
                           conv->encoder_->extradata + conv->encoder_->extradata_size);
  conv->config_.sample_rate = kAacSampleRate;
  conv->config_.channels = kChannels;
  conv->config_.object_type = 2;
  if (conv->config_.asc.size() < 2)
    return make_error("transcode_failed", "the AAC encoder gave no AudioSpecificConfig");
  return conv;
}

Result<void> OpusAacConverter::open_encoder() {
  encoder_.reset();
  const AVCodec* codec = avcodec_find_encoder_by_name("aac");
  if (!codec) return make_error("transcode_failed", "libavcodec has no AAC encoder");
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) return make_error("transcode_failed", "out of memory");
  ctx->sample_fmt = AV_SAMPLE_FMT_FLTP;
  ctx->sample_rate = kAacSampleRate;
  av_channel_layout_default(&ctx->ch_layout, kChannels);
  ctx->bit_rate = settings_.bitrate;
  ctx->profile = FF_PROFILE_AAC_LOW;
  // Sample counts as timestamps: the encoder hands each packet the pts of its first sample,
  // minus its priming (the first packet's is negative).
  ctx->time_base = AVRational{1, kAacSampleRate};
  if (int e = avcodec_open2(ctx.get(), codec, nullptr); e < 0)
    return av_failure("opening the AAC encoder", e);
  if (ctx->frame_size != kAacFrameSamples)
    return make_error("transcode_failed", "the AAC encoder does not take 1024-sample frames");
  pcm_->format = AV_SAMPLE_FMT_FLTP;
  pcm_->sample_rate = kAacSampleRate;
  pcm_->nb_samples = kAacFrameSamples;
  if (pcm_->ch_layout.nb_channels != kChannels) {
    av_channel_layout_default(&pcm_->ch_layout, kChannels);
    if (int e = av_frame_get_buffer(pcm_.get(), 0); e < 0) return av_failure("frame", e);
  }
  encoder_ = std::move(ctx);
  return ok_result();
}

Result<void> OpusAacConverter::convert(const media::MediaFrame& opus,
                                       std::vector<media::MediaFramePtr>& out) {
  // An empty packet would be libavcodec's end-of-stream signal: count it as undecodable.
  if (opus.data.empty()) {
    ++counters_.decode_errors;
    return ok_result();
  }
  av_packet_unref(packet_.get());
  packet_->data = const_cast<uint8_t*>(opus.data.data());  // NOLINT: read-only use by libavcodec
  packet_->size = static_cast<int>(opus.data.size());
  const int sent = avcodec_send_packet(decoder_.get(), packet_.get());
  packet_->data = nullptr;
  packet_->size = 0;
  if (sent < 0) {
    // What the packet covered becomes a hole, filled when the next packet arrives.
    ++counters_.decode_errors;
    return ok_result();
  }
  ++counters_.packets;
  int64_t pts = opus.pts;  // of the next decoded frame (a packet normally decodes to one)
  for (;;) {
    const int e = avcodec_receive_frame(decoder_.get(), decoded_.get());
    if (e == AVERROR(EAGAIN) || e == AVERROR_EOF) break;
    if (e < 0) {
      ++counters_.decode_errors;
      break;
    }
    const int n = decoded_->nb_samples;
    if (decoded_->format != AV_SAMPLE_FMT_FLTP || decoded_->ch_layout.nb_channels != kChannels ||
        decoded_->sample_rate != kAacSampleRate || n <= 0) {
      ++counters_.decode_errors;
      av_frame_unref(decoded_.get());
      continue;
    }
    int skip = 0;
    if (!started_) {
      if (!encoder_) {
        if (auto r = open_encoder(); !r) return r;
      }
      started_ = true;
      anchor_pts_ = pts;
      fed_ = encoded_ = 0;
    } else {
      const int64_t ahead = samples_between(anchor_pts_, pts) - fed_;
      const int64_t max_gap = samples_between(0, settings_.max_gap);
      if (ahead > max_gap || ahead < -max_gap) {
        if (auto r = end_timeline(out); !r) return r;
        if (auto r = open_encoder(); !r) return r;
        ++counters_.resyncs;
        started_ = true;
        anchor_pts_ = pts;
        fed_ = encoded_ = 0;
      } else if (ahead > 0) {
        ++counters_.gaps;
        counters_.silence_samples += static_cast<uint64_t>(ahead);
        write_silence(ahead);
      } else if (ahead < 0) {
        if (-ahead >= n) {
          ++counters_.late;
          av_frame_unref(decoded_.get());
          break;
        }
        skip = static_cast<int>(-ahead);
      }
    }
    write_samples(*decoded_, skip);
    pts += av_rescale(n, media::kTimescale, kAacSampleRate);
    av_frame_unref(decoded_.get());
    if (auto r = encode_ready(out); !r) return r;
  }
  return ok_result();
}

Result<void> OpusAacConverter::flush(std::vector<media::MediaFramePtr>& out) {
  avcodec_flush_buffers(decoder_.get());
  if (!started_) return ok_result();
  return end_timeline(out);
}

void OpusAacConverter::write_samples(const AVFrame& frame, int skip) {
  const int n = frame.nb_samples - skip;
  if (n <= 0) return;
  void* planes[kChannels];
  for (int c = 0; c < kChannels; ++c)
    planes[c] = frame.extended_data[c] + static_cast<size_t>(skip) * sizeof(float);
  // Fails only when memory runs out; the samples are then a hole that the next packet fills.
  if (av_audio_fifo_write(fifo_.get(), planes, n) == n) fed_ += n;
}

void OpusAacConverter::write_silence(int64_t samples) {
  static const float kZeros[kAacFrameSamples] = {};
  void* planes[kChannels];
  for (auto& p : planes) p = const_cast<float*>(kZeros);  // NOLINT: read only by the FIFO
  while (samples > 0) {
    const int n = static_cast<int>(std::min<int64_t>(samples, kAacFrameSamples));
    if (av_audio_fifo_write(fifo_.get(), planes, n) != n) return;
    fed_ += n;
    samples -= n;
  }
}

Result<void> OpusAacConverter::encode_ready(std::vector<media::MediaFramePtr>& out) {
  while (av_audio_fifo_size(fifo_.get()) >= kAacFrameSamples) {
    // The encoder may still hold a reference to the previous frame's buffer.
    if (int e = av_frame_make_writable(pcm_.get()); e < 0) return av_failure("frame", e);
    av_audio_fifo_read(fifo_.get(), reinterpret_cast<void**>(pcm_->data), kAacFrameSamples);
    pcm_->pts = encoded_;
    encoded_ += kAacFrameSamples;
    if (int e = avcodec_send_frame(encoder_.get(), pcm_.get()); e < 0)
      return av_failure("encoding AAC", e);
    if (auto r = receive(out); !r) return r;
  }
  return ok_result();
}

Result<void> OpusAacConverter::end_timeline(std::vector<media::MediaFramePtr>& out) {
  // The last partial frame is completed with silence so that every frame holds 1024 samples.
  if (const int left = av_audio_fifo_size(fifo_.get()) % kAacFrameSamples; left > 0)
    write_silence(kAacFrameSamples - left);
  if (auto r = encode_ready(out); !r) return r;
  if (int e = avcodec_send_frame(encoder_.get(), nullptr); e < 0 && e != AVERROR_EOF)
    return av_failure("draining the AAC encoder", e);
  auto r = receive(out);
  encoder_.reset();  // at end of stream now: the next timeline opens a fresh one
  started_ = false;
  return r;
}

Result<void> OpusAacConverter::receive(std::vector<media::MediaFramePtr>& out) {
  for (;;) {
    const int e = avcodec_receive_packet(encoder_.get(), packet_.get());
    if (e == AVERROR(EAGAIN) || e == AVERROR_EOF) return ok_result();
    if (e < 0) return av_failure("encoding AAC", e);
    // Negative pts: the priming packet (see the header); every other packet starts at a
    // multiple of 1024 samples of this timeline, exactly 1920 ticks apart.
    if (packet_->pts >= 0) {
      auto frame = std::make_shared<media::MediaFrame>();
      frame->kind = media::TrackKind::Audio;
      frame->codec = media::Codec::Aac;
      frame->keyframe = true;
      frame->pts = frame->dts =
          anchor_pts_ + av_rescale(packet_->pts, media::kTimescale, kAacSampleRate);
      frame->data.assign(packet_->data, packet_->data + packet_->size);
      ++counters_.frames_out;
      out.push_back(std::move(frame));
    }
    av_packet_unref(packet_.get());
  }
}

}  // namespace stagecast::transcode
