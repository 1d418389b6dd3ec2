#include "hls/media_playlist.h"

#include <fmt/format.h>

#include <ctime>

#include "hls/hls_names.h"

namespace stagecast::hls {

double MediaPlaylist::duration() const {
  double total = 0;
  for (const auto& s : segments) total += s.duration;
  return total;
}

std::string format_program_date_time(int64_t unix_ms) {
  int64_t secs = unix_ms / 1000;
  int64_t ms = unix_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    --secs;
  }
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

size_t MediaPlaylist::skippable_segments() const {
  if (!delta_updates) return 0;
  const double edge = duration();
  const double boundary = skip_boundary();
  size_t n = 0;
  double end = 0;
  for (const auto& s : segments) {
    end += s.duration;
    // Only complete segments are ever skipped; the open one is the live edge.
    if (!s.complete || edge - end < boundary) break;
    ++n;
  }
  return n;
}

namespace {

std::string render(const MediaPlaylist& p, size_t skipped) {
  std::string out;
  out.reserve(256 + (p.segments.size() - skipped) * 300);
  auto line = [&out](std::string_view s) {
    out.append(s);
    out.push_back('\n');
  };

  line("#EXTM3U");
  // Version 6: EXT-X-MAP in a playlist without EXT-X-I-FRAMES-ONLY (section 8). Nothing here
  // needs more, and 6.2.1 asks for no higher version than the tags require.
  // A delta update carries EXT-X-SKIP, which requires version 9 (section 8).
  line(skipped > 0 ? "#EXT-X-VERSION:9" : "#EXT-X-VERSION:6");
  line(fmt::format("#EXT-X-TARGETDURATION:{}", p.target_duration));
  // PART-HOLD-BACK of three part targets is the spec's recommendation (4.4.3.8) and the default,
  // two its minimum (hls.part_hold_back_percent); HOLD-BACK of three target durations is its
  // minimum for players that ignore parts. CAN-SKIP-UNTIL is in every playlist that offers delta
  // updates, the delta updates themselves included. No EXT-X-DATERANGE is ever written, so
  // CAN-SKIP-DATERANGES is not offered.
  const std::string skip_until =
      p.delta_updates ? fmt::format("CAN-SKIP-UNTIL={:.3f},", p.skip_boundary()) : std::string();
  line(fmt::format(
      "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,{}PART-HOLD-BACK={:.3f},HOLD-BACK={:.3f}",
      skip_until, p.part_hold_back_parts * p.part_target, 3.0 * p.target_duration));
  line(fmt::format("#EXT-X-PART-INF:PART-TARGET={:.3f}", p.part_target));
  line(fmt::format("#EXT-X-MEDIA-SEQUENCE:{}", p.media_sequence));
  bool any_discontinuity = false;
  for (const auto& s : p.segments) any_discontinuity |= s.discontinuity;
  if (p.discontinuity_sequence > 0 || any_discontinuity)
    line(fmt::format("#EXT-X-DISCONTINUITY-SEQUENCE:{}", p.discontinuity_sequence));
  // EXT-X-MEDIA-SEQUENCE and EXT-X-DISCONTINUITY-SEQUENCE stay those of the first segment,
  // skipped or not: the player rebuilds the full playlist from its last one (6.2.5.1).
  if (skipped > 0) line(fmt::format("#EXT-X-SKIP:SKIPPED-SEGMENTS={}", skipped));

  const double edge = p.duration();
  double end = 0;
  // The first segment listed gets its EXT-X-MAP and EXT-X-PROGRAM-DATE-TIME whether or not the
  // ones before it were skipped: every segment carries its own date, and the map is written
  // again for the first listed.
  std::optional<int> current_map;
  size_t index = 0;
  for (const auto& s : p.segments) {
    end += s.duration;
    if (index++ < skipped) continue;
    if (!s.complete && s.parts.empty()) continue;
    if (s.discontinuity) line("#EXT-X-DISCONTINUITY");
    if (current_map != s.init_version) {
      line(fmt::format("#EXT-X-MAP:URI=\"{}\"", init_uri(s.init_version)));
      current_map = s.init_version;
    }
    line(fmt::format("#EXT-X-PROGRAM-DATE-TIME:{}",
                     format_program_date_time(s.program_date_time_ms)));
    if (!s.complete || p.parts_listed(edge - end)) {
      for (size_t i = 0; i < s.parts.size(); ++i) {
        const auto& part = s.parts[i];
        line(fmt::format("#EXT-X-PART:DURATION={:.5f},URI=\"{}\"{}", part.duration,
                         part_uri(s.msn, static_cast<int>(i)),
                         part.independent ? ",INDEPENDENT=YES" : ""));
      }
    }
    if (s.complete) {
      line(fmt::format("#EXTINF:{:.5f},", s.duration));
      line(segment_uri(s.msn));
    }
  }
  if (!p.ended && p.preload_hint) {
    line(fmt::format("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"{}\"",
                     part_uri(p.preload_hint->msn, p.preload_hint->part)));
  }
  if (p.ended) line("#EXT-X-ENDLIST");
  return out;
}

}  // namespace

std::string render_media_playlist(const MediaPlaylist& p) {
  return render(p, 0);
}

std::optional<std::string> render_delta_update(const MediaPlaylist& p) {
  const size_t skipped = p.skippable_segments();
  if (skipped == 0) return std::nullopt;
  return render(p, skipped);
}

}  // namespace stagecast::hls
