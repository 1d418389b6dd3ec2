#pragma once
// Clips: a stretch of a recording (finished, or being made: its live window) kept as objects of its
// own (docs/recording.md). Cut on segment boundaries, which are key frames (every segment starts
// with one), so nothing is re-encoded: the segments covering [start, start + duration) are copied
// server-side (S3 CopyObject; a hard link on the local store) with their CMAF header, under a VOD
// playlist and a multivariant playlist of their own, plus an MP4 (header and segments, multipart on
// S3). The clip starts at the key frame at or before `start` and ends at the segment end at or
// after the requested end. Blocking (object store): worker threads only.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "record/object_store.h"
#include "record/recording_model.h"

namespace stagecast::record {

inline constexpr const char* kClipOutOfRange = "clip_out_of_range";

struct ClipRequest {
  std::string source_prefix;  // the recording's object prefix
  std::string rendition = "source";
  int64_t start_ms = 0;
  int64_t duration_ms = 0;
  std::string clip_prefix;  // where the clip's objects go
  // A recording still being made: its segments already in the store (Recorder::live_window),
  // used instead of reading its VOD playlist (which is written at the end).
  std::optional<std::vector<SegmentEntry>> live_segments;
};

struct ClipResult {
  int64_t start_ms = 0;  // where it really starts (a key frame)
  int64_t duration_ms = 0;
  uint64_t bytes = 0;
  std::string master_key;
  std::string mp4_key;
};

// A VOD media playlist as this server writes it (vod_playlist.h), read back from the store:
// segments with their facts; lost ones are not listed, so they do not appear. nullopt for text
// that is not such a playlist (it came from storage: read defensively).
std::optional<std::vector<SegmentEntry>> parse_vod_media_playlist(std::string_view text);

// The segments of `entries` (in playlist order) that cover [start_ms, start_ms + duration_ms),
// and where the first starts. kClipOutOfRange when the window is not inside the recording.
Result<std::pair<std::vector<SegmentEntry>, int64_t>> clip_segments(
    const std::vector<SegmentEntry>& entries, int64_t start_ms, int64_t duration_ms);

Result<ClipResult> make_clip(ObjectStore& store, const ClipRequest& request,
                             uint64_t mp4_part_bytes = kMinPartBytes);

}  // namespace stagecast::record
