#pragma once
// The Low-Latency HLS media playlist of one rendition (draft-pantos-hls-rfc8216bis 4.4, Apple's
// LL-HLS extensions 4.4.3.7-4.4.5.3): the model the packager keeps and its text rendering.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace stagecast::hls {

// A part by its parent segment's media sequence number and its 0-based index in that segment.
struct PartRef {
  int64_t msn = 0;
  int part = 0;
  auto operator<=>(const PartRef&) const = default;
};

struct PlaylistPart {
  double duration = 0;  // seconds
  bool independent = false;
};

struct PlaylistSegment {
  int64_t msn = 0;
  double duration = 0;  // seconds; the sum of the parts while the segment is open
  bool complete = false;
  bool discontinuity = false;
  int init_version = 0;
  int64_t program_date_time_ms = 0;  // wall clock of the first sample, unix milliseconds
  std::vector<PlaylistPart> parts;
};

struct MediaPlaylist {
  int target_duration = 2;   // seconds, EXT-X-TARGETDURATION
  double part_target = 0.5;  // seconds, EXT-X-PART-INF:PART-TARGET
  double part_hold_back_parts = 3.0;  // PART-HOLD-BACK in part targets
  int64_t media_sequence = 0;
  int64_t discontinuity_sequence = 0;
  // Ascending msn; every segment is complete except possibly the last (the live edge).
  std::deque<PlaylistSegment> segments;
  std::optional<PartRef> preload_hint;
  bool ended = false;
  // Playlist Delta Updates offered (EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL, 6.2.5.1).
  bool delta_updates = false;

  // Seconds from the start of the first segment to the live edge.
  double duration() const;
  // Whether the EXT-X-PART tags of a complete segment ending `from_end` seconds before the live
  // edge still belong in the playlist (4.4.4.9: removed once over three target durations away).
  bool parts_listed(double from_end) const { return from_end <= 3.0 * target_duration; }
  // CAN-SKIP-UNTIL in seconds: six target durations, the least 4.4.3.8 allows (the larger the
  // boundary, the less a delta update can leave out).
  double skip_boundary() const { return 6.0 * target_duration; }
  // How many of the oldest segments a Playlist Delta Update replaces with EXT-X-SKIP: those that
  // end at least the Skip Boundary before the live edge, so what it still lists reaches back at
  // least CAN-SKIP-UNTIL seconds (6.2.5.1). 0 when delta updates are off or nothing is that old.
  size_t skippable_segments() const;
};

std::string render_media_playlist(const MediaPlaylist& playlist);
// The Playlist Delta Update answering _HLS_skip=YES (6.2.5.1, 4.4.5.2): the same playlist with
// its skippable_segments() replaced by EXT-X-SKIP:SKIPPED-SEGMENTS=n and EXT-X-VERSION:9 (what
// EXT-X-SKIP requires). nullopt when nothing would be skipped: the full playlist is the answer.
std::optional<std::string> render_delta_update(const MediaPlaylist& playlist);

// "2023-11-14T22:13:20.000Z" (RFC 3339 with milliseconds, as EXT-X-PROGRAM-DATE-TIME wants).
std::string format_program_date_time(int64_t unix_ms);

}  // namespace stagecast::hls
