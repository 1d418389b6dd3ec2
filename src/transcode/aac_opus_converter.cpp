#include "transcode/aac_opus_converter.h"

#include <cstdlib>
#include <string>

#include "transcode/ffmpeg_log.h"

extern "C" {
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/mathematics.h>
#include <libswresample/swresample.h>
}

namespace stagecast::transcode {
namespace {

constexpr int kChannels = 2;
constexpr AVSampleFormat kFormat = AV_SAMPLE_FMT_FLT;  // interleaved: what libopus takes
constexpr int64_t kMaxDrift = media::kTimescale;       // 1 s: beyond it, a new timeline

Error av_failure(const std::string& what, int err) {
  return make_error("transcode_failed", what + ": " + av_error_text(err));
}

void free_fifo(AVAudioFifo* f) {
  av_audio_fifo_free(f);
}
void free_swr(SwrContext* s) {
  swr_free(&s);
}

}  // namespace

AacOpusConverter::AacOpusConverter(const AacOpusSettings& settings, CodecContextPtr decoder)
    : settings_(settings),
      decoder_(std::move(decoder)),
      decoded_(make_frame()),
      pcm_(make_frame()),
      packet_(make_packet()),
      swr_(nullptr, free_swr),
      fifo_(av_audio_fifo_alloc(kFormat, kChannels, 4 * kOpusFrameSamples), free_fifo) {}

AacOpusConverter::~AacOpusConverter() = default;

Result<std::unique_ptr<AacOpusConverter>> AacOpusConverter::open(const media::AudioConfig& aac,
                                                                 const AacOpusSettings& settings) {
  route_ffmpeg_log();
  if (aac.codec != media::Codec::Aac || aac.asc.empty()) {
    return make_error("transcode_failed", "no AAC AudioSpecificConfig to decode with");
  }
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_AAC);
  if (!codec) return make_error("transcode_failed", "libavcodec has no AAC decoder");
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) return make_error("transcode_failed", "out of memory");
  ctx->extradata = static_cast<uint8_t*>(av_mallocz(aac.asc.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  if (!ctx->extradata) return make_error("transcode_failed", "out of memory");
  std::copy(aac.asc.begin(), aac.asc.end(), ctx->extradata);
  ctx->extradata_size = static_cast<int>(aac.asc.size());
  if (int e = avcodec_open2(ctx.get(), codec, nullptr); e < 0)
    return av_failure("opening the AAC decoder", e);
  auto conv = std::make_unique<AacOpusConverter>(settings, std::move(ctx));
  if (!conv->decoded_ || !conv->pcm_ || !conv->packet_ || !conv->fifo_)
    return make_error("transcode_failed", "out of memory");
  if (auto r = conv->open_encoder(); !r) return r.error();
  return conv;
}

Result<void> AacOpusConverter::open_encoder() {
  const AVCodec* codec = avcodec_find_encoder_by_name("libopus");
  if (!codec) return make_error("transcode_failed", "libavcodec has no libopus encoder");
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) return make_error("transcode_failed", "out of memory");
  ctx->sample_fmt = kFormat;
  ctx->sample_rate = kOpusSampleRate;
  av_channel_layout_default(&ctx->ch_layout, kChannels);
  ctx->bit_rate = settings_.bitrate;
  ctx->time_base = AVRational{1, kOpusSampleRate};
  if (int e = avcodec_open2(ctx.get(), codec, nullptr); e < 0)
    return av_failure("opening the Opus encoder", e);
  if (ctx->frame_size != kOpusFrameSamples)
    return make_error("transcode_failed", "the Opus encoder does not take 20 ms frames");
  av_frame_unref(pcm_.get());  // a restart: the buffers of the last encoder's frame go first
  pcm_->format = kFormat;
  pcm_->sample_rate = kOpusSampleRate;
  pcm_->nb_samples = kOpusFrameSamples;
  av_channel_layout_default(&pcm_->ch_layout, kChannels);
  if (int e = av_frame_get_buffer(pcm_.get(), 0); e < 0) return av_failure("frame", e);
  encoder_ = std::move(ctx);
  return ok_result();
}

Result<void> AacOpusConverter::restart(int64_t pts) {
  av_audio_fifo_reset(fifo_.get());
  if (swr_) swr_init(swr_.get());  // drops what it buffered
  // A fresh encoder: its timestamps start again at the new anchor.
  if (auto r = open_encoder(); !r) return r;
  started_ = true;
  anchor_pts_ = pts;
  encoded_ = 0;
  next_in_pts_ = pts;
  return ok_result();
}

Result<void> AacOpusConverter::convert(const media::MediaFrame& aac,
                                       std::vector<media::MediaFramePtr>& out) {
  if (aac.data.empty()) {
    ++counters_.decode_errors;
    return ok_result();
  }
  if (!started_) {
    if (auto r = restart(aac.pts); !r) return r;
  } else if (std::llabs(aac.pts - next_in_pts_) > kMaxDrift) {
    ++counters_.resyncs;
    if (auto r = restart(aac.pts); !r) return r;
  }
  av_packet_unref(packet_.get());
  packet_->data = const_cast<uint8_t*>(aac.data.data());  // NOLINT: read-only use by libavcodec
  packet_->size = static_cast<int>(aac.data.size());
  const int sent = avcodec_send_packet(decoder_.get(), packet_.get());
  packet_->data = nullptr;
  packet_->size = 0;
  if (sent < 0) {
    ++counters_.decode_errors;
    return ok_result();
  }
  for (;;) {
    const int e = avcodec_receive_frame(decoder_.get(), decoded_.get());
    if (e == AVERROR(EAGAIN) || e == AVERROR_EOF) break;
    if (e < 0) {
      ++counters_.decode_errors;
      break;
    }
    ++counters_.frames_in;
    if (decoded_->sample_rate > 0) {
      next_in_pts_ =
          aac.pts + av_rescale(decoded_->nb_samples, media::kTimescale, decoded_->sample_rate);
    }
    auto r = resample(*decoded_);
    av_frame_unref(decoded_.get());
    if (!r) return r;
    if (auto r2 = encode_ready(out); !r2) return r2;
  }
  return ok_result();
}

Result<void> AacOpusConverter::resample(const AVFrame& in) {
  if (!swr_ || in.sample_rate != swr_in_rate_ || in.ch_layout.nb_channels != swr_in_channels_ ||
      in.format != swr_in_format_) {
    SwrContext* raw = nullptr;
    AVChannelLayout stereo;
    av_channel_layout_default(&stereo, kChannels);
    AVChannelLayout in_layout{};  // FFmpeg 5 takes the layouts by non-const pointer
    if (av_channel_layout_copy(&in_layout, &in.ch_layout) < 0) {
      return make_error("transcode_failed", "out of memory");
    }
    int e = swr_alloc_set_opts2(&raw, &stereo, kFormat, kOpusSampleRate, &in_layout,
                                static_cast<AVSampleFormat>(in.format), in.sample_rate, 0, nullptr);
    av_channel_layout_uninit(&in_layout);
    if (e < 0 || !raw) return av_failure("setting up the resampler", e);
    swr_.reset(raw);
    if ((e = swr_init(raw)) < 0) return av_failure("starting the resampler", e);
    swr_in_rate_ = in.sample_rate;
    swr_in_channels_ = in.ch_layout.nb_channels;
    swr_in_format_ = in.format;
  }
  const int room = swr_get_out_samples(swr_.get(), in.nb_samples);
  if (room <= 0) return ok_result();
  if (av_audio_fifo_realloc(fifo_.get(), av_audio_fifo_size(fifo_.get()) + room) < 0) {
    return make_error("transcode_failed", "out of memory");
  }
  std::vector<float> buffer(static_cast<size_t>(room) * kChannels);
  uint8_t* planes[1] = {reinterpret_cast<uint8_t*>(buffer.data())};
  const int n = swr_convert(swr_.get(), planes, room, const_cast<const uint8_t**>(in.extended_data),
                            in.nb_samples);
  if (n < 0) return av_failure("resampling", n);
  void* write[1] = {buffer.data()};
  av_audio_fifo_write(fifo_.get(), write, n);
  return ok_result();
}

Result<void> AacOpusConverter::encode_ready(std::vector<media::MediaFramePtr>& out) {
  while (av_audio_fifo_size(fifo_.get()) >= kOpusFrameSamples) {
    if (int e = av_frame_make_writable(pcm_.get()); e < 0) return av_failure("frame", e);
    av_audio_fifo_read(fifo_.get(), reinterpret_cast<void**>(pcm_->data), kOpusFrameSamples);
    pcm_->pts = encoded_;
    encoded_ += kOpusFrameSamples;
    if (int e = avcodec_send_frame(encoder_.get(), pcm_.get()); e < 0)
      return av_failure("encoding Opus", e);
    if (auto r = receive(out); !r) return r;
  }
  return ok_result();
}

Result<void> AacOpusConverter::receive(std::vector<media::MediaFramePtr>& out) {
  for (;;) {
    const int e = avcodec_receive_packet(encoder_.get(), packet_.get());
    if (e == AVERROR(EAGAIN) || e == AVERROR_EOF) return ok_result();
    if (e < 0) return av_failure("encoding Opus", e);
    auto frame = std::make_shared<media::MediaFrame>();
    frame->kind = media::TrackKind::Audio;
    frame->codec = media::Codec::Opus;
    frame->keyframe = true;
    // libopus stamps packets with its look-ahead (pre-skip, `initial_padding`) subtracted, and
    // WebRTC signals no pre-skip: stamp each packet with the input samples it began with, so
    // packets are exactly 960 samples apart from the first frame's pts on.
    const int64_t samples = std::max<int64_t>(0, packet_->pts + encoder_->initial_padding);
    frame->pts = frame->dts = anchor_pts_ + av_rescale(samples, media::kTimescale, kOpusSampleRate);
    frame->data.assign(packet_->data, packet_->data + packet_->size);
    ++counters_.packets_out;
    out.push_back(std::move(frame));
    av_packet_unref(packet_.get());
  }
}

Result<void> AacOpusConverter::flush(std::vector<media::MediaFramePtr>& out) {
  avcodec_flush_buffers(decoder_.get());
  if (!encoder_ || !started_) return ok_result();
  if (int e = avcodec_send_frame(encoder_.get(), nullptr); e < 0 && e != AVERROR_EOF)
    return av_failure("draining the Opus encoder", e);
  auto r = receive(out);
  started_ = false;  // the next frame opens a fresh encoder
  return r;
}

}  // namespace stagecast::transcode
