#include "record/vod_playlist.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "hls/hls_names.h"
#include "hls/media_playlist.h"
#include "hls/multivariant_playlist.h"

namespace stagecast::record {

std::string render_vod_media_playlist(const RenditionRecord& r) {
  const auto first = std::find_if(r.segments.begin(), r.segments.end(),
                                  [](const auto& s) { return !s.lost; });
  if (first == r.segments.end()) return {};
  // 4.4.3.1: every EXTINF rounded to the nearest integer is at most EXT-X-TARGETDURATION.
  int64_t target = 1;
  for (const auto& s : r.segments)
    if (!s.lost) target = std::max<int64_t>(target, std::llround(s.duration_us / 1e6));
  std::string out = fmt::format(
      "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:{}\n#EXT-X-PLAYLIST-TYPE:VOD\n"
      "#EXT-X-MEDIA-SEQUENCE:{}\n",
      target, first->msn);
  // 4.4.2.1: only while every segment starts with a key frame (the live packager says so).
  if (!r.variant || r.variant->independent_segments) out += "#EXT-X-INDEPENDENT-SEGMENTS\n";
  std::optional<int> map;
  bool after_gap = false;
  bool first_listed = true;
  for (auto it = first; it != r.segments.end(); ++it) {
    const auto& s = *it;
    if (s.lost) {
      after_gap = true;
      continue;
    }
    const bool discontinuity = !first_listed && (s.discontinuity || after_gap);
    if (discontinuity) out += "#EXT-X-DISCONTINUITY\n";
    if (map != s.init_version) {
      out += fmt::format("#EXT-X-MAP:URI=\"{}\"\n", hls::init_uri(s.init_version));
      map = s.init_version;
    }
    if (first_listed || discontinuity)
      out += fmt::format("#EXT-X-PROGRAM-DATE-TIME:{}\n",
                         hls::format_program_date_time(s.program_date_time_ms));
    out += fmt::format("#EXTINF:{:.5f},\n{}\n", static_cast<double>(s.duration_us) / 1e6,
                       hls::segment_uri(s.msn));
    after_gap = false;
    first_listed = false;
  }
  out += "#EXT-X-ENDLIST\n";
  return out;
}

std::string render_vod_multivariant_playlist(const RecordingModel& model) {
  std::vector<hls::VariantInfo> variants;
  const RenditionRecord* lead = model.lead();
  auto add = [&](const RenditionRecord& r) {
    if (r.withdrawn || r.kept() == 0) return;
    hls::VariantInfo v = r.variant.value_or(hls::VariantInfo{});
    v.rendition = r.name;
    if (v.bandwidth == 0) {
      // No variant facts survived (a crash before the first was journaled): measure the kept
      // segments, which is what BANDWIDTH means for VOD anyway (4.4.6.2, peak segment bitrate).
      for (const auto& s : r.segments)
        if (!s.lost && s.duration_us > 0)
          v.bandwidth = std::max<uint64_t>(
              v.bandwidth, static_cast<uint64_t>(static_cast<double>(s.bytes) * 8e6 /
                                                 static_cast<double>(s.duration_us)));
    }
    variants.push_back(std::move(v));
  };
  if (lead) add(*lead);
  for (const auto& r : model.renditions)
    if (&r != lead) add(r);
  if (variants.empty()) return {};
  return hls::render_multivariant_playlist(variants);
}

}  // namespace stagecast::record
