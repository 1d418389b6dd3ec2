#include "media/media_frame.h"

#include <fmt/format.h>

namespace stagecast::media {

std::string VideoConfig::codec_string() const {
  return fmt::format("avc1.{:02x}{:02x}{:02x}", profile_idc, profile_compat, level_idc);
}

std::string AudioConfig::codec_string() const { return fmt::format("mp4a.40.{}", object_type); }

}  // namespace stagecast::media
