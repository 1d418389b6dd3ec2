#include "transcode/rung_encoder.h"

#include <fmt/format.h>

extern "C" {
#include <libavutil/opt.h>
#include <libavutil/rational.h>
}

#include "transcode/annexb.h"

namespace stagecast::transcode {

std::string av_error_text(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

namespace {

Error av_failure(const char* what, int err) {
  return make_error("transcode_failed", fmt::format("{}: {}", what, av_error_text(err)));
}

}  // namespace

RungEncoder::RungEncoder(Rung rung, CodecContextPtr ctx)
    : rung_(std::move(rung)), ctx_(std::move(ctx)), scaled_(make_frame()), packet_(make_packet()) {}

RungEncoder::~RungEncoder() = default;

Result<std::unique_ptr<RungEncoder>> RungEncoder::open(const Rung& rung,
                                                       const EncoderSettings& settings) {
  const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
  if (!codec) return make_error("transcode_failed", "libavcodec has no libx264 encoder");
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) return make_error("transcode_failed", "out of memory");
  const double fps = settings.frame_rate > 0 ? settings.frame_rate : 30.0;
  ctx->width = rung.width;
  ctx->height = rung.height;
  ctx->pix_fmt = AV_PIX_FMT_YUV420P;
  ctx->time_base = AVRational{1, static_cast<int>(media::kTimescale)};
  ctx->framerate = av_d2q(fps, 100'000);
  ctx->bit_rate = static_cast<int64_t>(rung.bitrate);
  // VBV of one second at the target rate: segment peaks stay near BANDWIDTH.
  ctx->rc_max_rate = static_cast<int64_t>(rung.bitrate);
  ctx->rc_buffer_size = static_cast<int>(rung.bitrate);
  ctx->max_b_frames = 0;
  // Key frames only where the source has them (forced per picture); this only bounds a source
  // that stops sending key frames.
  ctx->gop_size = 600;
  ctx->thread_count = settings.threads;
  ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;  // SPS/PPS in extradata, for the avcC
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "preset", settings.preset.c_str(), 0);
  av_dict_set(&opts, "tune", "zerolatency", 0);
  av_dict_set(&opts, "forced-idr", "1", 0);
  av_dict_set(&opts, "x264-params", "scenecut=0:open-gop=0", 0);
  const int err = avcodec_open2(ctx.get(), codec, &opts);
  av_dict_free(&opts);
  if (err < 0) return av_failure("opening libx264", err);

  auto record = avcc_record_from_annexb(ByteSpan(ctx->extradata, ctx->extradata_size));
  if (!record) return record.error();
  auto enc = std::make_unique<RungEncoder>(rung, std::move(ctx));
  enc->config_.codec = media::Codec::H264;
  enc->config_.avcc = std::move(record).value();
  enc->config_.width = rung.width;
  enc->config_.height = rung.height;
  enc->config_.profile_idc = enc->config_.avcc[1];
  enc->config_.profile_compat = enc->config_.avcc[2];
  enc->config_.level_idc = enc->config_.avcc[3];
  enc->config_.frame_rate = settings.frame_rate;
  if (!enc->scaled_ || !enc->packet_) return make_error("transcode_failed", "out of memory");
  enc->scaled_->format = AV_PIX_FMT_YUV420P;
  enc->scaled_->width = rung.width;
  enc->scaled_->height = rung.height;
  if (int e = av_frame_get_buffer(enc->scaled_.get(), 0); e < 0) return av_failure("frame", e);
  return enc;
}

Result<void> RungEncoder::encode(const AVFrame& source, int64_t pts, int64_t dts, bool force_key,
                                 std::vector<media::MediaFramePtr>& out) {
  sws_.reset(sws_getCachedContext(sws_.release(), source.width, source.height,
                                  static_cast<AVPixelFormat>(source.format), rung_.width,
                                  rung_.height, AV_PIX_FMT_YUV420P, SWS_BICUBIC, nullptr, nullptr,
                                  nullptr));
  if (!sws_) return make_error("transcode_failed", "no scaler for the source picture");
  // The encoder may still reference the previous picture's buffer.
  if (int e = av_frame_make_writable(scaled_.get()); e < 0) return av_failure("frame", e);
  sws_scale(sws_.get(), source.data, source.linesize, 0, source.height, scaled_->data,
            scaled_->linesize);
  scaled_->pts = pts;
  scaled_->pict_type = force_key ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
  scaled_->key_frame = force_key ? 1 : 0;
  dts_.push_back(dts);
  if (int e = avcodec_send_frame(ctx_.get(), scaled_.get()); e < 0) {
    dts_.pop_back();
    return av_failure("encoding", e);
  }
  return receive(out);
}

Result<void> RungEncoder::flush(std::vector<media::MediaFramePtr>& out) {
  if (int e = avcodec_send_frame(ctx_.get(), nullptr); e < 0 && e != AVERROR_EOF)
    return av_failure("flushing", e);
  return receive(out);
}

Result<void> RungEncoder::receive(std::vector<media::MediaFramePtr>& out) {
  for (;;) {
    const int e = avcodec_receive_packet(ctx_.get(), packet_.get());
    if (e == AVERROR(EAGAIN) || e == AVERROR_EOF) return ok_result();
    if (e < 0) return av_failure("encoding", e);
    auto frame = std::make_shared<media::MediaFrame>();
    frame->kind = media::TrackKind::Video;
    frame->codec = media::Codec::H264;
    frame->pts = packet_->pts;
    // Without B-frames the encoder keeps input order; a missing entry would be a bug, and the
    // fallback keeps timestamps valid rather than failing the rung.
    int64_t dts = packet_->pts;
    if (!dts_.empty()) {
      dts = dts_.front();
      dts_.pop_front();
    }
    if (dts > frame->pts) dts = frame->pts;
    if (dts <= last_dts_) dts = last_dts_ + 1;
    last_dts_ = dts;
    frame->dts = dts;
    frame->keyframe = (packet_->flags & AV_PKT_FLAG_KEY) != 0;
    frame->data = annexb_to_avcc(ByteSpan(packet_->data, static_cast<size_t>(packet_->size)));
    av_packet_unref(packet_.get());
    ++frames_out_;
    out.push_back(std::move(frame));
  }
}

}  // namespace stagecast::transcode
