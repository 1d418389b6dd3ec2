#pragma once
// RecordingSession: one recording of one live stream, from its first CMAF header to its outcome.
//
//   packager thread ──RenditionObserver──▶ Recorder ──post──▶ this session's SerialQueue
//      (record workers: spool the segment durably, journal it, feed the MP4)
//   ──UploadQueue──▶ object store (upload threads, retried with backoff)
//
// Every segment is spooled (on the local store: staged in the store itself) and journaled, and
// made durable by the group commit before it counts; a full spool, a failed write or a task
// queue that overflowed makes it a gap (journaled as lost), never a silent hole. The
// MP4 of the source rendition is its first CMAF header followed by its segments: on S3 a
// multipart upload fed in parts of at least part_bytes (the last may be smaller), on the local
// store appended segment by segment. At the end (and at every discontinuity) the VOD playlists
// are written; at the end the MP4 is completed (or aborted) and the outcome journaled and
// reported. After a crash, resume() starts from the journal and the spool.
//
// Threads: the on_* calls and stop()/finalize() run on the session's SerialQueue; upload tasks on
// upload threads. `mu_` guards the model, the journal and the MP4 state between them.

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "core/clock.h"
#include "core/serial_queue.h"
#include "hls/rendition_store.h"
#include "record/durable_file.h"
#include "record/journal.h"
#include "record/local_object_store.h"
#include "record/object_store.h"
#include "record/recording_events.h"
#include "record/spool.h"
#include "record/upload_queue.h"

namespace stagecast::record {

struct SessionContext {
  ObjectStore& store;
  Spool& spool;
  UploadQueue& uploads;
  RecordingListener& listener;
  const Clock& clock;
  uint64_t mp4_part_bytes = 8ull * 1024 * 1024;
  bool mp4_direct = false;  // the local store: append each segment to the MP4 as it comes
  // The local store: segments are staged in it and moved into place by the group commit, with
  // no spool entry (the spool is for stores that can be slow or away; this one is the disk).
  LocalObjectStore* local = nullptr;
  std::string source_rendition = "source";
};

class RecordingSession : public std::enable_shared_from_this<RecordingSession> {
 public:
  RecordingSession(SessionContext ctx, std::shared_ptr<SerialQueue> queue, RecordingModel header);

  // --- on the session's queue ---
  // A new recording: creates its folder and journal and reports RECORDING.
  void open();
  void on_init(const std::string& rendition, int version, const hls::SharedBytes& bytes);
  void on_segment(const std::string& rendition, const hls::SegmentData& segment);
  // A segment that never reached this queue (it was full).
  void on_lost(const std::string& rendition, const hls::SegmentData& segment,
               const std::string& reason);
  void on_variant(const std::string& rendition, const hls::VariantInfo& variant);
  void on_rendition_ended(const std::string& rendition);
  void on_withdrawn(const std::string& rendition);
  // The stream ended: finalizes once every rendition it saw has ended (or at `give_up_at`).
  void stop(std::chrono::steady_clock::time_point give_up_at);
  // Past the deadline of stop(): finalizes with what there is.
  void check_deadline(std::chrono::steady_clock::time_point now);
  // After a restart: `model` from the journal, `entries` its spool entries still to upload.
  void resume(std::vector<SpoolEntry> entries);
  // The rendition's segments already in the object store (kept, uploaded), in order: the live
  // window a clip can be cut from while the stream runs. Any thread.
  std::vector<SegmentEntry> stored_segments(const std::string& rendition) const;
  const std::string& prefix() const { return prefix_; }
  // Group commit (once a second, from Recorder::tick): syncs what was written since the last
  // one and hands its uploads to the upload threads.
  void commit();

  const std::string& id() const { return id_; }
  const std::string& stream_id() const { return stream_id_; }
  SerialQueue& queue() { return *queue_; }
  // Shutdown without draining (the queue's thread has stopped): drops the queued work and the
  // uploads not handed out, which hold this session (the spool and the journal keep them for the
  // next start's recover()).
  void abandon() {
    queue_->clear();
    pending_.clear();
  }
  bool finished() const;
  // Called once the outcome is reported (the Recorder forgets the session).
  void set_on_finished(std::function<void()> f) { on_finished_ = std::move(f); }

 private:
  void journal(const JournalEntry& entry);  // with mu_ held; a failure fails the recording
  // The same, made durable by the next commit() (the per-segment facts).
  void journal_deferred(const JournalEntry& entry);
  // An upload task, handed to the upload threads at the next commit() (on the queue).
  void enqueue(UploadTask task);
  void push_put(const std::string& key, ByteSpan data, std::string_view content_type,
                std::function<void(bool stored)> done);
  void push_spooled(SpoolEntry entry, std::function<void(bool stored)> done);
  Attempt put_entry(const SpoolEntry& entry);
  void finish_staged(const std::vector<SpoolEntry>& entries);
  void write_playlists(bool final);
  void finalize();
  void finish();  // on an upload thread, after everything else of the recording
  RecordingReport report(RecordingReport::Phase phase) const;  // with mu_ held

  // MP4 (recording_session_mp4.cpp)
  void mp4_start(int init_version, const hls::SharedBytes& init);
  // `staged_key`: the segment staged on the local store under that key (linked, not copied).
  void mp4_append(ByteSpan bytes, const std::string* staged_key = nullptr);
  void mp4_stop(const std::string& reason);
  void mp4_seal_buffer();
  void mp4_push_create();
  void mp4_push_part(SpoolEntry entry);
  void mp4_finish();
  std::filesystem::path mp4_buffer_path() const;

  const SessionContext ctx_;
  const std::shared_ptr<SerialQueue> queue_;
  const std::string id_;
  const std::string stream_id_;
  const std::filesystem::path dir_;
  const std::string prefix_;

  mutable std::mutex mu_;
  RecordingModel model_;
  std::optional<Journal> journal_;
  bool failed_ = false;
  std::string error_;
  std::set<std::string> ended_renditions_;
  std::optional<std::chrono::steady_clock::time_point> stop_deadline_;
  bool finalizing_ = false;
  bool finished_ = false;
  int64_t ended_at_ms_ = 0;
  uint64_t playlist_bytes_ = 0;
  int64_t last_progress_us_ = 0;
  std::map<std::string, int64_t> stored_through_;  // rendition -> last msn in the store
  // MP4 buffer (S3): the bytes of the part being filled, reserved in the spool.
  uint64_t mp4_buffer_bytes_ = 0;
  int mp4_next_part_ = 1;
  bool mp4_created_pushed_ = false;
  bool mp4_completed_ = false;
  std::function<void()> on_finished_;
  // On the session's queue only: written since the last commit, and the uploads waiting for it.
  SyncBatch batch_;
  std::vector<UploadTask> pending_;
  // The local store: segments staged since the last commit (and their rendition, msn).
  std::optional<LocalObjectStore::StagedPuts> staged_;
  std::vector<std::pair<std::string, int64_t>> staged_segments_;
};

}  // namespace stagecast::record
