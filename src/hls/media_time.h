#pragma once
// 90 kHz media time in the units playlists speak, and the frame rates sources mean.

#include <cmath>
#include <cstdint>

#include "media/media_frame.h"

namespace stagecast::hls {

inline double seconds(int64_t ticks_90k) {
  return static_cast<double>(ticks_90k) / media::kTimescale;
}

// The common frame rate within 0.5% of `fps`, the nearest if several; else `fps` itself.
// Timestamps in whole milliseconds make 30 fps measure 29.98 or 30.02, and renditions of one
// stream must agree on what follows from the rate (FRAME-RATE, PART-TARGET).
inline double common_frame_rate(double fps) {
  double best = fps;
  double best_diff = fps * 0.005;
  for (const double common :
       {24000.0 / 1001, 24.0, 25.0, 30000.0 / 1001, 30.0, 48.0, 50.0, 60000.0 / 1001, 60.0}) {
    const double diff = std::abs(fps - common);
    if (diff <= best_diff) {
      best = common;
      best_diff = diff;
    }
  }
  return best;
}

}  // namespace stagecast::hls
