#pragma once
// The multivariant (master) playlist of a stream (draft-pantos-hls-rfc8216bis 4.4.6.2): one
// EXT-X-STREAM-INF per rendition, so an ABR ladder is listed the same way as the source alone.

#include <cstdint>
#include <span>
#include <string>

namespace stagecast::hls {

struct VariantInfo {
  std::string rendition;           // path segment: /hls/{stream}/{rendition}/index.m3u8
  uint64_t bandwidth = 0;          // bits/s, peak segment bitrate (4.4.6.2 BANDWIDTH)
  uint64_t average_bandwidth = 0;  // bits/s, 0 when not known yet
  int width = 0;                   // 0 when the rendition has no video
  int height = 0;
  double frame_rate = 0;             // 0 when unknown
  std::string codecs;                // RFC 6381, e.g. "avc1.64001f,mp4a.40.2"
  bool independent_segments = true;  // every segment starts with a key frame
};

// Renditions are listed in the order given; the first is where players without a bandwidth
// estimate start.
std::string render_multivariant_playlist(std::span<const VariantInfo> variants);

}  // namespace stagecast::hls
