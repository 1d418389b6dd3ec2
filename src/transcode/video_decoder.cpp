#include "transcode/video_decoder.h"

#include <algorithm>
#include <cstring>

#include "media/avc_decoder_config.h"

extern "C" {
#include <libavutil/mem.h>
}

namespace stagecast::transcode {
namespace {
// More frames than any H.264 reorder depth: past it, an entry belongs to a frame the decoder
// dropped, and the oldest is forgotten.
constexpr size_t kMaxPending = 34;
}  // namespace

VideoDecoder::VideoDecoder(CodecContextPtr ctx)
    : ctx_(std::move(ctx)), packet_(make_packet()), frame_(make_frame()) {}

Result<std::unique_ptr<VideoDecoder>> VideoDecoder::open(const media::VideoConfig& config) {
  if (config.codec != media::Codec::H264 || config.avcc.empty())
    return make_error("transcode_unsupported", "only H.264 with an avcC is transcoded");
  // libavcodec accepts a broken avcC and then fails every frame: refuse it here instead.
  if (auto record = media::parse_avc_decoder_config(config.avcc); !record)
    return make_error("transcode_unsupported", "avcC: " + record.error().message);
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_H264);
  if (!codec) return make_error("transcode_failed", "libavcodec has no H.264 decoder");
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) return make_error("transcode_failed", "out of memory");
  // avcC as extradata: the decoder reads the parameter sets and the 4-byte NAL lengths from it.
  ctx->extradata =
      static_cast<uint8_t*>(av_mallocz(config.avcc.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  if (!ctx->extradata) return make_error("transcode_failed", "out of memory");
  std::memcpy(ctx->extradata, config.avcc.data(), config.avcc.size());
  ctx->extradata_size = static_cast<int>(config.avcc.size());
  ctx->pkt_timebase = AVRational{1, static_cast<int>(media::kTimescale)};
  // Frame threads would add a picture of delay per thread; rungs are the parallel work.
  ctx->thread_count = 1;
  if (int e = avcodec_open2(ctx.get(), codec, nullptr); e < 0)
    return make_error("transcode_failed", "opening the H.264 decoder: " + av_error_text(e));
  auto dec = std::make_unique<VideoDecoder>(std::move(ctx));
  if (!dec->packet_ || !dec->frame_) return make_error("transcode_failed", "out of memory");
  return dec;
}

bool VideoDecoder::decode(const media::MediaFrame& frame, const Output& output) {
  if (!have_key_ && !frame.keyframe) return false;
  have_key_ = true;
  // The packet borrows the frame's bytes; libavcodec copies unpadded, non-refcounted data.
  av_packet_unref(packet_.get());
  packet_->data = const_cast<uint8_t*>(frame.data.data());  // NOLINT: read-only use by libavcodec
  packet_->size = static_cast<int>(frame.data.size());
  packet_->pts = frame.pts;
  packet_->dts = frame.dts;
  packet_->flags = frame.keyframe ? AV_PKT_FLAG_KEY : 0;
  dts_.push_back(frame.dts);
  if (frame.keyframe) key_pts_.push_back(frame.pts);
  const int e = avcodec_send_packet(ctx_.get(), packet_.get());
  packet_->data = nullptr;
  packet_->size = 0;
  if (e < 0) {
    dts_.pop_back();
    ++errors_;
    ++consecutive_errors_;
    return false;
  }
  consecutive_errors_ = 0;
  receive(output);
  return true;
}

void VideoDecoder::drain(const Output& output) {
  if (avcodec_send_packet(ctx_.get(), nullptr) >= 0) receive(output);
  avcodec_flush_buffers(ctx_.get());
  have_key_ = false;
  last_dts_ = INT64_MIN;
  dts_.clear();
  key_pts_.clear();
}

void VideoDecoder::receive(const Output& output) {
  for (;;) {
    const int e = avcodec_receive_frame(ctx_.get(), frame_.get());
    if (e == AVERROR(EAGAIN) || e == AVERROR_EOF) return;
    if (e < 0) {
      ++errors_;
      return;
    }
    DecodedPicture pic;
    // The source's own pts of this picture, as libavcodec carries it from the packet through
    // the reordering. Never best_effort_timestamp: on a source whose first pts equal its dts
    // (x264 with B-frames through GStreamer's flvmux) it decides the pts are faulty and
    // substitutes guessed dts, which then match no key frame and drift from the source rung.
    pic.pts = frame_->pts != AV_NOPTS_VALUE ? frame_->pts : frame_->best_effort_timestamp;
    while (dts_.size() > kMaxPending) dts_.pop_front();
    pic.dts = pic.pts;
    if (!dts_.empty()) {
      pic.dts = std::min(dts_.front(), pic.pts);
      dts_.pop_front();
    }
    if (pic.dts <= last_dts_) pic.dts = last_dts_ + 1;
    last_dts_ = pic.dts;
    while (!key_pts_.empty() && key_pts_.front() < pic.pts) key_pts_.pop_front();
    if (!key_pts_.empty() && key_pts_.front() == pic.pts) {
      pic.key = true;
      key_pts_.pop_front();
    }
    FramePtr owned = make_frame();
    if (!owned) return;
    av_frame_move_ref(owned.get(), frame_.get());
    pic.picture = SharedFrame(owned.release(), AvFrameFree{});
    output(std::move(pic));
  }
}

}  // namespace stagecast::transcode
