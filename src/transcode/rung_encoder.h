#pragma once
// RungEncoder: one rung of the ladder: scales a decoded source picture (libswscale) and encodes
// it with libx264 through libavcodec into AVCC MediaFrames for that rung's packager.
//
// Key frames: the caller forces an IDR on exactly the pictures whose presentation time is a
// source key frame's, and x264's own key frame decisions are switched off (no scene cut, a GOP
// limit far beyond any sane source GOP), so every rung's GOPs, and so its segments and parts,
// start where the source rung's do. No B-frames (tune zerolatency): a picture comes out as soon
// as it goes in, decode order is presentation order, and the caller gives each output frame the
// dts the source had at that position, so all rungs share one decode timeline.
//
// Thread: not thread-safe; one rung's work runs on that rung's SerialQueue.

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "media/media_frame.h"
#include "transcode/av_handles.h"
#include "transcode/ladder.h"

namespace stagecast::transcode {

struct EncoderSettings {
  std::string preset = "veryfast";  // x264 preset
  double frame_rate = 30;           // source frame rate (VUI and rate control)
  int threads = 1;                  // x264 threads per rung; rungs run in parallel on the pool
};

class RungEncoder {
 public:
  static Result<std::unique_ptr<RungEncoder>> open(const Rung& rung,
                                                   const EncoderSettings& settings);
  // Use open(); public for std::make_unique.
  RungEncoder(Rung rung, CodecContextPtr ctx);
  ~RungEncoder();
  RungEncoder(const RungEncoder&) = delete;
  RungEncoder& operator=(const RungEncoder&) = delete;

  const Rung& rung() const { return rung_; }
  // The rendition's video configuration (avcC from the encoder's SPS/PPS).
  const media::VideoConfig& config() const { return config_; }

  // pts/dts: 90 kHz. Encoded frames are appended to `out`.
  Result<void> encode(const AVFrame& source, int64_t pts, int64_t dts, bool force_key,
                      std::vector<media::MediaFramePtr>& out);
  // End of stream: whatever the encoder still holds.
  Result<void> flush(std::vector<media::MediaFramePtr>& out);

  // The source's timestamps restart (discontinuity).
  void new_timeline() {
    dts_.clear();
    last_dts_ = INT64_MIN;
  }

  uint64_t frames_out() const { return frames_out_; }

 private:
  Result<void> receive(std::vector<media::MediaFramePtr>& out);

  Rung rung_;
  CodecContextPtr ctx_;
  media::VideoConfig config_;
  SwsPtr sws_;
  FramePtr scaled_;
  PacketPtr packet_;
  std::deque<int64_t> dts_;  // of pictures sent and not yet received, in order
  int64_t last_dts_ = INT64_MIN;
  uint64_t frames_out_ = 0;
};

}  // namespace stagecast::transcode
