#pragma once
// Viewing sessions of a stream, for analytics (unique viewers, watch time).

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/records.h"

namespace stagecast::store {

struct ViewerStats {
  int64_t sessions = 0;
  int64_t unique_viewers = 0;  // distinct user_id, or session_id for anonymous viewers
  int64_t watch_ms = 0;        // sum over closed sessions
  int64_t open_sessions = 0;   // not left yet
};

class ViewerRepository {
 public:
  virtual ~ViewerRepository() = default;

  // Assigns an id when empty.
  virtual Result<StreamViewer> record_join(const StreamViewer& v) = 0;
  // Sets left_at and watch_ms = left_at - joined_at. not_found; a session already closed is
  // left alone.
  virtual Result<StreamViewer> record_leave(const std::string& viewer_id, int64_t left_at) = 0;
  // Closes every open session of the stream (stream ended); returns how many.
  virtual Result<int64_t> close_all(const std::string& stream_id, int64_t left_at) = 0;
  virtual Result<ViewerStats> stats_for_stream(const std::string& stream_id) = 0;
  // Inserts or replaces these rows (by id), in one transaction: analytics writes the visits it
  // opened and closed since its last flush together.
  virtual Result<void> save_all(const std::vector<StreamViewer>& rows) = 0;
  // The stream's rows by join time, at most `limit`.
  virtual Result<std::vector<StreamViewer>> list_for_stream(const std::string& stream_id,
                                                            int64_t limit) = 0;
};

}  // namespace stagecast::store
