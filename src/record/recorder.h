#pragma once
// Recorder: records live streams to the object store (DESIGN.md data flow: recorder -> object
// store). It watches the RenditionStore (hls::RenditionObserver), so what it writes is exactly
// what HLS serves: each rendition's CMAF headers and complete segments, as each completes. One
// RecordingSession per recorded stream does the work off the packagers' threads; recordings a
// crash or restart interrupted are finished by recover() from their journals and the spool.
//
// Threads: start/stop/tick and the observer calls never block (they post to the session's
// queue); disk work runs on `threads` record workers, object store calls on `upload_threads`.

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/worker_pool.h"
#include "hls/rendition_store.h"
#include "record/object_store.h"
#include "record/recording_events.h"
#include "record/recording_session.h"
#include "record/spool.h"
#include "record/upload_queue.h"

namespace stagecast::record {

struct RecorderOptions {
  std::filesystem::path spool_dir;
  uint64_t spool_max_bytes = 1024ull * 1024 * 1024;
  // Objects of a recording go under <key_prefix>/<stream id>/<recording id>/.
  std::string key_prefix = "recordings";
  // S3 multipart part size (>= 5 MiB); the local store appends segment by segment.
  uint64_t mp4_part_bytes = 8ull * 1024 * 1024;
  size_t threads = 2;
  size_t upload_threads = 2;
  BackoffPolicy backoff;
  // After the stream ends, how long the ABR rungs (still draining their encoders) may take to
  // end before the recording is finished without waiting for them.
  std::chrono::milliseconds rendition_end_wait{10'000};
  size_t max_queued_tasks = 256;  // per recording; past it segments are recorded as lost
  std::string source_rendition = "source";
};

class Recorder final : public hls::RenditionObserver {
 public:
  Recorder(ObjectStore& store, RecorderOptions options, RecordingListener& listener,
           const Clock& clock);
  ~Recorder() override;
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Before serving: finishes the recordings an earlier run left unfinished (spool resumed,
  // playlists up to the last journaled segment, MP4 completed or aborted) and aborts the open
  // multipart uploads under key_prefix that no recording knows. Returns the resumed ids.
  std::vector<std::string> recover();

  // A stream with recording on went live: the new recording's id. Never blocks.
  std::string start(const std::string& stream_id);
  // The stream ended: the recording finishes once its renditions have ended.
  void stop(const std::string& stream_id);
  // Once a second: recordings whose renditions did not all end in time are finished.
  void tick();
  // Waits up to `drain` for recordings to finish and uploads to drain, then stops the threads.
  // What is left stays in the spool for the next start.
  void shutdown(std::chrono::milliseconds drain);

  // hls::RenditionObserver (packager threads)
  void on_published(const std::string& stream_id, const std::string& rendition,
                    const hls::RenditionUpdate& update) override;
  void on_withdrawn(const std::string& stream_id, const std::string& rendition) override;

  // The live window of a recording being made: its prefix and the source rendition's segments
  // already in the object store. nullopt when the stream is not being recorded as `recording_id`
  // on this node.
  struct LiveWindow {
    std::string prefix;
    std::vector<SegmentEntry> segments;
  };
  std::optional<LiveWindow> live_window(const std::string& stream_id,
                                        const std::string& recording_id) const;

  ObjectStore& store() { return store_; }
  const std::string& key_prefix() const { return options_.key_prefix; }

  struct Stats {
    size_t active = 0;  // recordings not finished
    uint64_t spool_bytes = 0;
    uint64_t spool_capacity = 0;
    size_t pending_uploads = 0;
    uint64_t retries = 0;
  };
  Stats stats() const;

 private:
  std::shared_ptr<RecordingSession> make_session(RecordingModel header);
  std::shared_ptr<RecordingSession> live_session(const std::string& stream_id) const;
  void push_orphan_sweep();

  ObjectStore& store_;
  const RecorderOptions options_;
  RecordingListener& listener_;
  const Clock& clock_;
  Spool spool_;
  WorkerPool pool_;
  UploadQueue uploads_;

  mutable std::shared_mutex mu_;
  std::condition_variable_any finished_cv_;
  std::map<std::string, std::shared_ptr<RecordingSession>> by_stream_;  // live streams
  std::map<std::string, std::shared_ptr<RecordingSession>> sessions_;   // every unfinished one
  bool shut_down_ = false;
};

}  // namespace stagecast::record
