#pragma once
// What the recorder tells the rest of the server (DESIGN.md: the media path tells the platform
// what happened through a narrow interface that app/ wires): a recording started, moved to
// finalizing, or finished with an outcome. Called from recorder threads; the listener must hand
// the work on (app/ posts it to the database workers), never block for long.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "record/recording_model.h"

namespace stagecast::record {

struct RecordingReport {
  enum class Phase { kRecording, kFinalizing, kFinished };
  Phase phase = Phase::kRecording;
  std::optional<RecordingOutcome> outcome;  // when finished
  std::string recording_id;
  std::string stream_id;
  int64_t started_at_ms = 0;
  int64_t ended_at_ms = 0;  // 0 while recording
  int64_t duration_ms = 0;  // of the source rendition's kept segments
  uint64_t bytes = 0;       // in the object store: segments, headers, playlists, MP4
  std::vector<std::string> renditions;  // in the replay's multivariant playlist
  std::string prefix;                   // every object key starts with prefix + "/"
  std::string master_key;               // empty until written
  std::string mp4_key;                  // empty when there is no MP4
  std::vector<RecordingGap> gaps;
  std::string error;  // why FAILED or PARTIAL, for people
};

class RecordingListener {
 public:
  virtual ~RecordingListener() = default;
  virtual void on_recording(const RecordingReport& report) = 0;
};

}  // namespace stagecast::record
