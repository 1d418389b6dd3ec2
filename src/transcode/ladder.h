#pragma once
// The ABR ladder: configured steps ("720p:3000k") and the rungs planned from them for one source.
// A rung at or above the source height is skipped (upscaling adds bits and no picture); the
// source itself is always served as the passthrough rung "source", outside this list.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace stagecast::transcode {

struct LadderStep {
  int height = 0;
  uint64_t bitrate = 0;  // bits/s, the encoder's target (and VBV maximum)
};

struct Rung {
  std::string name;  // rendition name, e.g. "480p"
  int width = 0;     // even, source aspect ratio kept
  int height = 0;
  uint64_t bitrate = 0;
};

// 1080p 6 Mb/s, 720p 3 Mb/s, 480p 1.5 Mb/s, 360p 0.8 Mb/s.
std::vector<LadderStep> default_ladder();

// "1080p:6000k,720p:3000k,480p:1500k,360p:800k" (bitrate suffix k or M, or plain bits/s).
Result<std::vector<LadderStep>> parse_ladder(std::string_view text);
std::string format_ladder(const std::vector<LadderStep>& steps);

// Highest first; steps whose height is >= the source's are left out.
std::vector<Rung> plan_rungs(const std::vector<LadderStep>& steps, int source_width,
                             int source_height);

}  // namespace stagecast::transcode
