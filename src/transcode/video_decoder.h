#pragma once
// VideoDecoder: the source's H.264 decoded once (libavcodec) for every rung.
//
// Timestamps: a decoded picture carries its presentation time, and gets as its decode time the
// dts of the source frame at the same position in decode order. For a closed-GOP source that is
// exactly the source key frame's dts on its key frames, so a rung without B-frames keeps the
// source's decode timeline and the packagers cut segments and parts at the same instants.
// A picture is a key picture when its pts is a source key frame's pts.
//
// Thread: not thread-safe; runs on the transcoder's decode SerialQueue.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>

#include "core/result.h"
#include "media/media_frame.h"
#include "transcode/av_handles.h"

namespace stagecast::transcode {

struct DecodedPicture {
  SharedFrame picture;
  int64_t pts = 0;  // 90 kHz
  int64_t dts = 0;
  bool key = false;
};

class VideoDecoder {
 public:
  using Output = std::function<void(DecodedPicture)>;

  static Result<std::unique_ptr<VideoDecoder>> open(const media::VideoConfig& config);
  explicit VideoDecoder(CodecContextPtr ctx);  // use open()

  // A frame before the first key frame (or after reset()) is skipped: nothing could decode it.
  // A broken frame is skipped too (false returned, the decoder conceals what follows).
  bool decode(const media::MediaFrame& frame, const Output& output);
  // Pictures still held for reordering, then ready for a new timeline (discontinuity, end).
  void drain(const Output& output);

  uint64_t errors() const { return errors_; }
  uint64_t consecutive_errors() const { return consecutive_errors_; }

 private:
  void receive(const Output& output);

  CodecContextPtr ctx_;
  PacketPtr packet_;
  FramePtr frame_;
  bool have_key_ = false;
  std::deque<int64_t> dts_;       // of frames sent, not yet matched to a picture
  std::deque<int64_t> key_pts_;   // pts of source key frames not yet output
  int64_t last_dts_ = INT64_MIN;
  uint64_t errors_ = 0;
  uint64_t consecutive_errors_ = 0;
};

}  // namespace stagecast::transcode
