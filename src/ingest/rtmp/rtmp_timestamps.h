#pragma once
// RTMP millisecond timestamps -> 90 kHz dts, one timeline per connection.
//
// RTMP timestamps are 32-bit and wrap after ~49.7 days (Adobe RTMP specification 1.0, 5.3.1.2.1);
// encoders also jump (a restarted capture, a paused source, broken muxers send backwards steps).
// Each track is unwrapped against the connection's first timestamp (so audio and video share one
// origin and the stream starts at 0); a jump beyond the limits below is replaced by one nominal
// frame step, and the track continues from there. Both tracks of a jump are corrected by the size
// of the jump less one frame, so they stay within a frame of each other. dts is strictly
// increasing per track.

#include <array>
#include <cstdint>

#include "media/media_frame.h"

namespace stagecast::ingest::rtmp {

struct TimestampOptions {
  int64_t max_forward_jump_ms = 10'000;
  int64_t max_backward_jump_ms = 1'000;  // smaller steps back are clamped, not re-based
};

class RtmpTimestampMapper {
 public:
  explicit RtmpTimestampMapper(TimestampOptions options = {}) : options_(options) {}

  // 90 kHz dts for a message of `track` stamped `rtmp_ms`.
  int64_t map(media::TrackKind track, uint32_t rtmp_ms);

  uint64_t jumps_smoothed() const { return jumps_; }

 private:
  struct Track {
    bool started = false;
    uint32_t last_raw = 0;
    int64_t last_ext = 0;     // unwrapped ms relative to the connection origin
    int64_t offset = 0;       // ms added after smoothing jumps
    int64_t last_ms = 0;      // last output in ms (before the strictly-increasing clamp)
    int64_t last_dts = 0;     // 90 kHz
    int64_t nominal_step = 0; // last sane forward step, used to bridge a jump
  };

  TimestampOptions options_;
  bool have_origin_ = false;
  uint32_t origin_raw_ = 0;
  std::array<Track, 2> tracks_{};
  uint64_t jumps_ = 0;
};

}  // namespace stagecast::ingest::rtmp
