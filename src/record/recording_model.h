#pragma once
// What a recording holds, as far as it has been made durable: per rendition its CMAF headers and
// segments (with their playlist facts), the segments lost (gaps), the last variant facts for the
// multivariant playlist, and the MP4's multipart upload. The recording's journal (journal.h) is
// this model written line by line, so a restart rebuilds it exactly.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hls/multivariant_playlist.h"
#include "record/object_store.h"

namespace stagecast::record {

// The outcome a recording ends with (stream_recordings.status beside RECORDING and FINALIZING).
enum class RecordingOutcome { kReady, kPartial, kFailed };
std::string_view to_string(RecordingOutcome o);
std::optional<RecordingOutcome> parse_outcome(std::string_view s);

struct SegmentEntry {
  int64_t msn = 0;
  int64_t duration_us = 0;
  bool discontinuity = false;
  int init_version = 0;
  int64_t program_date_time_ms = 0;
  uint64_t bytes = 0;
  bool lost = false;  // never made it to the spool or the store: a gap
};

struct RenditionRecord {
  std::string name;
  std::vector<SegmentEntry> segments;  // ascending msn
  std::map<int, uint64_t> inits;       // version -> bytes
  std::optional<hls::VariantInfo> variant;
  bool withdrawn = false;  // an ABR rung dropped during the stream: left out of the replay

  int64_t duration_us() const;  // segments kept (not lost)
  uint64_t bytes() const;       // segments and headers kept
  size_t kept() const;
  size_t lost() const;
};

struct Mp4Record {
  std::string upload_id;  // empty until the multipart upload exists
  std::vector<UploadedPart> parts;
  std::vector<uint64_t> part_bytes;
  bool stopped = false;  // no more segments go in (a codec change, a lost segment, a failure)
  std::string stop_reason;
  int init_version = -1;  // the source header the MP4 starts with
  uint64_t bytes() const;
};

// A run of lost segments of one rendition, for the recording's row.
struct RecordingGap {
  std::string rendition;
  int64_t first_msn = 0;
  int64_t last_msn = 0;
  int64_t start_ms = 0;  // from the start of the recording
  int64_t duration_ms = 0;
  std::string reason;
};

struct RecordingModel {
  std::string recording_id;
  std::string stream_id;
  std::string prefix;  // object keys start with prefix + "/"
  int64_t started_at_ms = 0;
  std::vector<RenditionRecord> renditions;  // in the order they first appeared
  Mp4Record mp4;
  std::map<std::string, std::string> lost_reasons;  // rendition:msn -> why
  std::optional<RecordingOutcome> done;

  RenditionRecord& rendition(const std::string& name);
  const RenditionRecord* find(const std::string& name) const;
  // The source rendition ("source"), else the first.
  const RenditionRecord* lead() const;
  int64_t duration_ms() const;  // of the lead rendition
  std::vector<RecordingGap> gaps() const;
  bool has_gaps() const;
};

// Object keys of a recording.
std::string segment_key(const std::string& prefix, const std::string& rendition, int64_t msn);
std::string init_key(const std::string& prefix, const std::string& rendition, int version);
std::string media_playlist_key(const std::string& prefix, const std::string& rendition);
std::string master_playlist_key(const std::string& prefix);
std::string mp4_key(const std::string& prefix);

}  // namespace stagecast::record
