#include "hls/multivariant_playlist.h"

#include <fmt/format.h>

#include "hls/hls_names.h"

namespace stagecast::hls {

std::string render_multivariant_playlist(std::span<const VariantInfo> variants) {
  std::string out = "#EXTM3U\n#EXT-X-VERSION:6\n";
  // 4.4.2.1: a promise about every segment of every rendition; withdrawn once a GOP longer than
  // the target duration forced a segment to start without a key frame.
  bool independent = true;
  for (const auto& v : variants) independent &= v.independent_segments;
  if (independent) out += "#EXT-X-INDEPENDENT-SEGMENTS\n";
  for (const auto& v : variants) {
    std::string attrs = fmt::format("BANDWIDTH={}", v.bandwidth);
    if (v.average_bandwidth > 0) attrs += fmt::format(",AVERAGE-BANDWIDTH={}", v.average_bandwidth);
    if (v.width > 0 && v.height > 0) attrs += fmt::format(",RESOLUTION={}x{}", v.width, v.height);
    if (!v.codecs.empty()) attrs += fmt::format(",CODECS=\"{}\"", v.codecs);
    if (v.frame_rate > 0) attrs += fmt::format(",FRAME-RATE={:.3f}", v.frame_rate);
    // No closed captions are carried (4.4.6.2): without it, players such as Shaka probe a segment
    // for CEA-608/708, and a live segment may exist only as parts yet.
    if (v.width > 0) attrs += ",CLOSED-CAPTIONS=NONE";
    out += fmt::format("#EXT-X-STREAM-INF:{}\n{}\n", attrs, rendition_playlist_uri(v.rendition));
  }
  return out;
}

}  // namespace stagecast::hls
