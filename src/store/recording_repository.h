#pragma once
// Recordings of streams and clips cut from them (stream_recordings, migration 0004). The objects
// themselves live in the object store (record/); rows say where and in what state.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/records.h"

namespace stagecast::store {

class RecordingRepository {
 public:
  virtual ~RecordingRepository() = default;

  // Assigns an id when empty. conflict when the id exists.
  virtual Result<Recording> create(const Recording& r) = 0;
  // Inserts or replaces every column of r.id (the recorder's reports arrive in order, but the
  // first one may be missing after a crash). A FINALIZING or RECORDING report never overwrites
  // a finished row (READY, PARTIAL, FAILED): a late duplicate cannot undo an outcome.
  virtual Result<Recording> upsert(const Recording& r) = 0;
  virtual Result<Recording> find(const std::string& id) = 0;
  // Oldest first; clips and recordings.
  virtual Result<std::vector<Recording>> list_for_stream(const std::string& stream_id) = 0;
  // Replaces status, bytes, duration_ms, ended_at, error of r.id. not_found.
  virtual Result<Recording> update(const Recording& r) = 0;
  // Removes the row. not_found.
  virtual Result<void> remove(const std::string& id) = 0;
  // Rows in RECORDING or FINALIZING (after a restart: those the recorder did not resume failed).
  virtual Result<std::vector<Recording>> list_unfinished() = 0;
  // Finished rows (READY, PARTIAL, FAILED) oldest first, at most `limit`, started before
  // `before_ms`; and the bytes of every row, for the retention sweep.
  virtual Result<std::vector<Recording>> list_finished_oldest(int64_t before_ms, int limit) = 0;
  virtual Result<int64_t> total_bytes() = 0;
  // live_streams.recording_url of the stream (nullopt clears it). not_found.
  virtual Result<void> set_stream_recording_url(const std::string& stream_id,
                                                const std::optional<std::string>& url) = 0;
};

}  // namespace stagecast::store
