#pragma once
// UploadQueue: the threads that write what the spool holds to the object store, retrying with
// exponential backoff while the store is slow or absent, so live HLS (which never waits for it)
// carries on. Tasks of one recording run one at a time in the order they were pushed (segments
// before the playlists that list them, MP4 parts before the completion); different recordings
// run in parallel on `threads` threads. A task that keeps failing keeps its place: its
// recording waits (1 s, 2 s, 4 s ... up to max_backoff) while the others go on.
//
// A task's spool entry is removed when the task is done or given up. Stopping leaves the rest
// in the spool; the next start pushes it again (Recorder::recover).

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "record/spool.h"

namespace stagecast::record {

enum class Attempt { kDone, kRetry, kGiveUp };

// What to do after an object store call: retry what may work later (the store down, slow,
// refusing our credentials, answering garbage; the spool bounds the wait), give up on a request
// the store calls wrong (errc::kInvalid: it will not change its mind). Logs either.
Attempt classify_store_result(const Result<void>& result, const std::string& what);

struct UploadTask {
  std::string recording_id;
  std::optional<SpoolEntry> entry;
  // Blocking (network, disk); runs on an upload thread. Decides whether to try again.
  std::function<Attempt()> run;
};

struct BackoffPolicy {
  std::chrono::milliseconds initial{1'000};
  std::chrono::milliseconds max{30'000};
};

class UploadQueue {
 public:
  UploadQueue(Spool& spool, size_t threads, BackoffPolicy backoff);
  ~UploadQueue();
  UploadQueue(const UploadQueue&) = delete;
  UploadQueue& operator=(const UploadQueue&) = delete;

  void push(UploadTask task);
  // Waits (up to `deadline`) until no task is left, then stops the threads; what is left stays in
  // the spool. Returns whether it drained.
  bool stop(std::chrono::steady_clock::time_point deadline);

  size_t pending() const;
  uint64_t retries() const { return retries_; }

 private:
  struct Lane {
    bool busy = false;
    int failures = 0;
    std::chrono::steady_clock::time_point not_before{};
  };
  void run();
  // The first task whose recording is idle and due, with the lock held.
  std::optional<size_t> next_ready(std::chrono::steady_clock::time_point now,
                                   std::chrono::steady_clock::time_point* wake) const;

  Spool& spool_;
  const BackoffPolicy backoff_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable drained_;
  std::deque<UploadTask> tasks_;
  std::map<std::string, Lane> lanes_;
  size_t running_ = 0;
  bool stopping_ = false;
  uint64_t retries_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace stagecast::record
