#pragma once
// Recordings and clips of streams, as the platform sees them: rows written from what the
// recorder reports (record/, told through app/: the media path never includes platform/), listed
// to whoever can see the stream, replayed under the stream's own access rules (the watch
// decision and playback tokens of StreamService), deleted by the owner with their objects, and
// swept by retention. Synchronous: run it on a worker pool.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "platform/identity.h"
#include "platform/stream_service.h"
#include "store/store.h"

namespace stagecast::platform {

// What the recorder reported (app/ translates record::RecordingReport into this).
struct RecordingFacts {
  std::string recording_id;
  std::string stream_id;
  store::RecordingStatus status = store::RecordingStatus::kRecording;
  std::string storage = "local";
  std::string prefix;
  std::string master_key;  // empty: none
  std::string mp4_key;     // empty: none
  std::vector<std::string> renditions;
  std::string gaps_json = "[]";
  int64_t bytes = 0;
  int64_t duration_ms = 0;
  int64_t started_at_ms = 0;
  int64_t ended_at_ms = 0;  // 0: still recording
  std::string error;
};

// Removes a recording's objects (app/ implements it over the object store). Blocking.
class RecordingObjects {
 public:
  virtual ~RecordingObjects() = default;
  // Every object whose key starts with prefix + "/". Errors: storage_unavailable.
  virtual Result<void> remove_all(const std::string& prefix) = 0;
};

inline constexpr std::string_view kStorageUnavailable = "storage_unavailable";

// "/vod/<recording id>/master.m3u8": the replay of a recording, relative to the server.
std::string replay_path(const std::string& recording_id);

struct RecordingList {
  std::vector<store::Recording> items;  // oldest first
  Decision watch;                       // whether the caller may replay them (and why not)
  bool manager = false;                 // the caller owns the stream or is an admin
};

class RecordingService {
 public:
  RecordingService(store::Store& store, StreamService& streams, const Clock& clock);
  // Set while wiring, before serving; not owned.
  void set_objects(RecordingObjects* objects) { objects_ = objects; }

  // Writes a report. Finished with a playable replay: the stream's recording_url follows it.
  Result<store::Recording> apply(const RecordingFacts& facts);
  // Rows left RECORDING or FINALIZING by an earlier run that the recorder did not resume
  // (nothing of them survived on this node) become FAILED. Returns how many.
  Result<int> fail_unresumed(const std::vector<std::string>& resumed);

  // The stream's recordings and clips. Errors: not_found, db_unavailable.
  Result<RecordingList> list(const Identity* caller, const std::string& stream_id);
  Result<store::Recording> find(const std::string& recording_id);
  // Owner or admin; not while RECORDING or FINALIZING (conflict). The objects go first: a row
  // whose objects could not be removed stays (storage_unavailable), so nothing is orphaned.
  Result<void> remove(const Identity& caller, const std::string& recording_id);

  // Clips: the owner, an admin or a moderator of the stream cuts one from a finished recording or
  // from the one being made while live (status RECORDING: the caller cuts from its live window)
  // (`recording_id`, or the stream's latest). Errors: not_found, login_required, not_moderator,
  // banned, recording_not_ready (no recording, or it is finalizing or failed), db_unavailable.
  Result<store::Recording> clip_source(const Identity& caller, const std::string& stream_id,
                                       const std::optional<std::string>& recording_id);
  Result<store::Recording> add_clip(const store::Recording& clip);

  struct SweepResult {
    int removed = 0;
    int64_t bytes_freed = 0;
  };
  // Retention: finished recordings older than max_age (0: no limit), then the oldest until the
  // total is at most max_total_bytes (0: no limit).
  Result<SweepResult> sweep(std::chrono::milliseconds max_age, int64_t max_total_bytes);

 private:
  Result<void> remove_row_and_objects(const store::Recording& r);

  store::Store& store_;
  StreamService& streams_;
  const Clock& clock_;
  RecordingObjects* objects_ = nullptr;
};

}  // namespace stagecast::platform
