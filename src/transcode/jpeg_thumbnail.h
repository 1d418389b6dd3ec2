#pragma once
// JpegThumbnailer: one H.264 key frame in, one JPEG picture out (docs/web.md, "Live
// thumbnails"). The key frame is decoded alone (an IDR needs nothing before it) by a decoder
// opened for it and drained, scaled down with libswscale to `width` (never up; the
// height keeps the aspect ratio, both even) and encoded with libavcodec's MJPEG encoder at a
// fixed quality scale. Costs one decode of one frame per picture, on the calling thread.
//
// Thread: not thread-safe; one picture at a time, on a worker pool thread (never an I/O thread).

#include <memory>
#include <optional>

#include "core/result.h"
#include "media/media_frame.h"
#include "media/thumbnail_store.h"
#include "transcode/av_handles.h"
#include "transcode/video_decoder.h"

namespace stagecast::transcode {

struct JpegThumbnailOptions {
  int width = 480;
  int quality = 5;  // qscale 2 (best) .. 31
};

class JpegThumbnailer {
 public:
  explicit JpegThumbnailer(JpegThumbnailOptions options) : options_(options) {}

  // A new source configuration (parameter sets, size): the decoder is opened again.
  // Errors: transcode_unsupported (not H.264 with an avcC), transcode_failed.
  Result<void> configure(const media::VideoConfig& config);
  // `frame` must be a key frame of the configured source. Errors: thumbnail_failed (nothing
  // decoded: a broken frame), transcode_failed.
  Result<media::Thumbnail> make(const media::MediaFrame& frame);

 private:
  Result<void> open_encoder(int width, int height);

  JpegThumbnailOptions options_;
  std::optional<media::VideoConfig> config_;
  SwsPtr sws_;
  int sws_src_w_ = 0, sws_src_h_ = 0, sws_src_fmt_ = -1;
  CodecContextPtr encoder_;
  FramePtr scaled_;
  PacketPtr packet_;
  int64_t next_pts_ = 0;
};

}  // namespace stagecast::transcode
