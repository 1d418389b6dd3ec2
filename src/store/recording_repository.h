#pragma once
// Recordings of streams in the object store.

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

  // Assigns an id when empty.
  virtual Result<Recording> create(const Recording& r) = 0;
  virtual Result<Recording> find(const std::string& id) = 0;
  // Oldest first.
  virtual Result<std::vector<Recording>> list_for_stream(const std::string& stream_id) = 0;
  // Replaces status, bytes, duration_ms, ended_at, error of r.id. not_found.
  virtual Result<Recording> update(const Recording& r) = 0;
};

}  // namespace stagecast::store
