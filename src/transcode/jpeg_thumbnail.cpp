#include "transcode/jpeg_thumbnail.h"

#include <algorithm>

extern "C" {
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
}

namespace stagecast::transcode {

namespace {
int even(int v) {
  return std::max(2, v & ~1);
}
}  // namespace

Result<void> JpegThumbnailer::configure(const media::VideoConfig& config) {
  auto dec = VideoDecoder::open(config);  // refuses what it could never decode, now
  if (!dec) return dec.error();
  config_ = config;
  return {};
}

Result<void> JpegThumbnailer::open_encoder(int width, int height) {
  if (encoder_ && encoder_->width == width && encoder_->height == height) return {};
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
  if (!codec) return make_error("transcode_failed", "libavcodec has no MJPEG encoder");
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) return make_error("transcode_failed", "out of memory");
  ctx->width = width;
  ctx->height = height;
  // Full-range 4:2:0, as JPEG (JFIF) defines it; the scaler converts the video range.
  ctx->pix_fmt = AV_PIX_FMT_YUV420P;
  ctx->color_range = AVCOL_RANGE_JPEG;
  ctx->time_base = AVRational{1, 25};
  ctx->flags |= AV_CODEC_FLAG_QSCALE;
  ctx->global_quality = FF_QP2LAMBDA * options_.quality;
  ctx->thread_count = 1;
  if (int e = avcodec_open2(ctx.get(), codec, nullptr); e < 0) {
    return make_error("transcode_failed", "opening the MJPEG encoder: " + av_error_text(e));
  }
  FramePtr frame = make_frame();
  if (!frame) return make_error("transcode_failed", "out of memory");
  frame->format = AV_PIX_FMT_YUV420P;
  frame->width = width;
  frame->height = height;
  frame->color_range = AVCOL_RANGE_JPEG;
  if (int e = av_frame_get_buffer(frame.get(), 0); e < 0) {
    return make_error("transcode_failed", "picture buffer: " + av_error_text(e));
  }
  encoder_ = std::move(ctx);
  scaled_ = std::move(frame);
  if (!packet_) packet_ = make_packet();
  if (!packet_) return make_error("transcode_failed", "out of memory");
  return {};
}

Result<media::Thumbnail> JpegThumbnailer::make(const media::MediaFrame& frame) {
  if (!config_) return make_error("thumbnail_failed", "no video configuration yet");
  if (!frame.keyframe || frame.kind != media::TrackKind::Video) {
    return make_error("thumbnail_failed", "a thumbnail is made from a key frame");
  }
  // A decoder of its own for each picture: nothing of the last picture's decode can spoil this
  // one (a broken frame, a reference missing), and opening one costs little next to the decode.
  auto decoder = VideoDecoder::open(*config_);
  if (!decoder) return decoder.error();
  SharedFrame picture;
  auto keep = [&picture](DecodedPicture p) {
    if (!picture) picture = std::move(p.picture);
  };
  (*decoder)->decode(frame, keep);
  (*decoder)->drain(keep);  // the key frame out now (a decoder holds pictures for reordering)
  if (!picture || picture->width <= 0 || picture->height <= 0) {
    return make_error("thumbnail_failed", "the key frame did not decode");
  }
  const int src_w = picture->width;
  const int src_h = picture->height;
  const int out_w = even(std::min(options_.width, src_w));
  const int out_h = even(static_cast<int>(static_cast<int64_t>(src_h) * out_w / src_w));
  if (auto r = open_encoder(out_w, out_h); !r) return r.error();

  if (!sws_ || sws_src_w_ != src_w || sws_src_h_ != src_h || sws_src_fmt_ != picture->format) {
    sws_.reset(sws_getContext(src_w, src_h, static_cast<AVPixelFormat>(picture->format), out_w,
                              out_h, AV_PIX_FMT_YUV420P, SWS_BILINEAR, nullptr, nullptr, nullptr));
    if (!sws_) return make_error("transcode_failed", "no scaler for this picture format");
    // Video range in (H.264 as broadcast), full range out (JPEG).
    const int* coefficients = sws_getCoefficients(SWS_CS_ITU709);
    const bool src_full = picture->color_range == AVCOL_RANGE_JPEG;
    sws_setColorspaceDetails(sws_.get(), coefficients, src_full ? 1 : 0, coefficients, 1, 0,
                             1 << 16, 1 << 16);
    sws_src_w_ = src_w;
    sws_src_h_ = src_h;
    sws_src_fmt_ = picture->format;
  }
  if (int e = av_frame_make_writable(scaled_.get()); e < 0) {
    return make_error("transcode_failed", "picture buffer: " + av_error_text(e));
  }
  sws_scale(sws_.get(), picture->data, picture->linesize, 0, src_h, scaled_->data,
            scaled_->linesize);
  scaled_->pts = next_pts_++;  // the encoder refuses a pts that does not increase
  scaled_->quality = encoder_->global_quality;
  if (int e = avcodec_send_frame(encoder_.get(), scaled_.get()); e < 0) {
    return make_error("transcode_failed", "MJPEG encode: " + av_error_text(e));
  }
  media::Thumbnail out;
  out.width = out_w;
  out.height = out_h;
  for (;;) {
    const int e = avcodec_receive_packet(encoder_.get(), packet_.get());
    if (e == AVERROR(EAGAIN) || e == AVERROR_EOF) break;
    if (e < 0) return make_error("transcode_failed", "MJPEG encode: " + av_error_text(e));
    out.jpeg.assign(packet_->data, packet_->data + packet_->size);
    av_packet_unref(packet_.get());
  }
  if (out.jpeg.empty()) return make_error("thumbnail_failed", "the encoder gave no picture");
  return out;
}

}  // namespace stagecast::transcode
