#include "record/recorder.h"

#include <spdlog/spdlog.h>

#include <system_error>

#include "core/random.h"

namespace stagecast::record {

Recorder::Recorder(ObjectStore& store, RecorderOptions options, RecordingListener& listener,
                   const Clock& clock)
    : store_(store),
      options_(std::move(options)),
      listener_(listener),
      clock_(clock),
      spool_(options_.spool_dir, options_.spool_max_bytes),
      pool_("record", options_.threads),
      uploads_(spool_, options_.upload_threads, options_.backoff) {}

Recorder::~Recorder() {
  shutdown(std::chrono::milliseconds(0));
}

std::shared_ptr<RecordingSession> Recorder::make_session(RecordingModel header) {
  SessionContext ctx{store_,
                     spool_,
                     uploads_,
                     listener_,
                     clock_,
                     std::max<uint64_t>(options_.mp4_part_bytes, 1),
                     store_.kind() == "local",
                     dynamic_cast<LocalObjectStore*>(&store_),
                     options_.source_rendition};
  auto session = std::make_shared<RecordingSession>(
      ctx, SerialQueue::create(pool_, options_.max_queued_tasks), std::move(header));
  const std::string id = session->id();
  const std::string stream_id = session->stream_id();
  session->set_on_finished([this, id, stream_id] {
    std::unique_lock lock(mu_);
    sessions_.erase(id);
    // The stream's late publications (rungs ending after the stream did) reach the session until
    // it finished; a newer recording of the stream keeps its place.
    if (auto it = by_stream_.find(stream_id); it != by_stream_.end() && it->second->id() == id)
      by_stream_.erase(it);
    finished_cv_.notify_all();
  });
  return session;
}

std::string Recorder::start(const std::string& stream_id) {
  RecordingModel header;
  header.recording_id = random_id();
  header.stream_id = stream_id;
  header.prefix = options_.key_prefix + "/" + stream_id + "/" + header.recording_id;
  header.started_at_ms = clock_.unix_millis();
  if (!valid_object_key(header.prefix)) {
    spdlog::error("record: stream id {} cannot be part of an object key", stream_id);
    return {};
  }
  auto session = make_session(header);
  {
    std::unique_lock lock(mu_);
    if (shut_down_) return {};
    if (auto old = by_stream_.find(stream_id); old != by_stream_.end()) {
      // A stream goes live once; a second start is a bug upstream. The old recording ends.
      auto previous = old->second;
      previous->queue().post_always(
          [previous] { previous->stop(std::chrono::steady_clock::now()); });
    }
    by_stream_[stream_id] = session;
    sessions_[session->id()] = session;
  }
  session->queue().post_always([session] { session->open(); });
  spdlog::info("record: stream {} is being recorded as {}", stream_id, header.recording_id);
  return header.recording_id;
}

void Recorder::stop(const std::string& stream_id) {
  std::shared_ptr<RecordingSession> session;
  {
    std::unique_lock lock(mu_);
    auto it = by_stream_.find(stream_id);
    if (it == by_stream_.end()) return;
    session = it->second;
  }
  const auto give_up_at = std::chrono::steady_clock::now() + options_.rendition_end_wait;
  session->queue().post_always([session, give_up_at] { session->stop(give_up_at); });
}

std::shared_ptr<RecordingSession> Recorder::live_session(const std::string& stream_id) const {
  std::shared_lock lock(mu_);
  auto it = by_stream_.find(stream_id);
  return it == by_stream_.end() ? nullptr : it->second;
}

std::optional<Recorder::LiveWindow> Recorder::live_window(const std::string& stream_id,
                                                          const std::string& recording_id) const {
  auto session = live_session(stream_id);
  if (!session || session->id() != recording_id) return std::nullopt;
  return LiveWindow{session->prefix(), session->stored_segments(options_.source_rendition)};
}

void Recorder::on_published(const std::string& stream_id, const std::string& rendition,
                            const hls::RenditionUpdate& update) {
  auto session = live_session(stream_id);
  if (!session) return;
  SerialQueue& q = session->queue();
  if (update.init_version && update.init) {
    q.post_always([session, rendition, v = *update.init_version, init = update.init] {
      session->on_init(rendition, v, init);
    });
  }
  for (const auto& seg : update.segments) {
    const bool queued = q.post([session, rendition, seg] { session->on_segment(rendition, seg); });
    if (!queued) {
      // The record workers are behind (a disk that stalls): the segment is let go, and the gap
      // is journaled instead of being silent. The bytes are not kept.
      hls::SegmentData facts = seg;
      facts.bytes.reset();
      q.post_always(
          [session, rendition, facts] { session->on_lost(rendition, facts, "queue_full"); });
    }
  }
  if (!update.segments.empty() && !update.variant.codecs.empty()) {
    (void)q.post([session, rendition, v = update.variant] { session->on_variant(rendition, v); });
  }
  if (update.edge.ended)
    q.post_always([session, rendition] { session->on_rendition_ended(rendition); });
}

void Recorder::on_withdrawn(const std::string& stream_id, const std::string& rendition) {
  auto session = live_session(stream_id);
  if (!session) return;
  session->queue().post_always([session, rendition] { session->on_withdrawn(rendition); });
}

void Recorder::tick() {
  std::vector<std::shared_ptr<RecordingSession>> all;
  {
    std::shared_lock lock(mu_);
    for (const auto& [id, s] : sessions_) all.push_back(s);
  }
  const auto now = std::chrono::steady_clock::now();
  for (auto& s : all)
    s->queue().post_always([s, now] {
      s->commit();
      s->check_deadline(now);
    });
}

std::vector<std::string> Recorder::recover() {
  std::vector<std::string> resumed;
  auto entries = spool_.load();
  if (!entries) {
    spdlog::error("record: the spool cannot be read: {}", entries.error().message);
    return resumed;
  }
  std::map<std::string, std::vector<SpoolEntry>> by_recording;
  for (auto& e : *entries) by_recording[e.recording_id].push_back(std::move(e));
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(spool_.root(), ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (!it->is_directory()) continue;
    const std::string id = it->path().filename().string();
    uint64_t size = 0;
    auto model = Journal::load(it->path() / "journal", &size);
    if (!model || model->recording_id != id) {
      // Created and cut off before its journal had a header: nothing in it can be placed.
      spdlog::warn("record: {} has no readable journal; its spool is dropped", id);
      for (const auto& e : by_recording[id]) spool_.remove(e);
      std::error_code x;
      std::filesystem::remove_all(it->path(), x);
      continue;
    }
    auto session = make_session(std::move(*model));
    {
      std::unique_lock lock(mu_);
      sessions_[id] = session;
    }
    session->queue().post_always([session, list = std::move(by_recording[id])]() mutable {
      session->resume(std::move(list));
    });
    resumed.push_back(id);
  }
  push_orphan_sweep();
  return resumed;
}

// An upload that no journal names was started by a run that crashed before journaling it:
// nothing will ever complete it, so it is aborted (S3 would keep and bill its parts forever).
void Recorder::push_orphan_sweep() {
  UploadTask task;
  task.recording_id = "orphan-uploads";
  task.run = [this] {
    auto open = store_.list_multipart(options_.key_prefix + "/");
    if (!open) return classify_store_result(open.error(), "listing open multipart uploads");
    for (const auto& u : *open) {
      // <prefix>/<stream>/<recording>/recording.mp4
      const size_t last = u.key.rfind('/');
      const size_t before =
          last == std::string::npos ? std::string::npos : u.key.rfind('/', last - 1);
      const std::string recording =
          before == std::string::npos ? "" : u.key.substr(before + 1, last - before - 1);
      bool known = false;
      {
        std::shared_lock lock(mu_);
        known = sessions_.count(recording) > 0;
      }
      if (known) continue;
      spdlog::info("record: aborting an orphan multipart upload of {}", u.key);
      if (auto r = store_.abort_multipart(u.key, u.upload_id); !r)
        return classify_store_result(r, "aborting an orphan upload");
    }
    return Attempt::kDone;
  };
  uploads_.push(std::move(task));
}

void Recorder::shutdown(std::chrono::milliseconds drain) {
  const auto deadline = std::chrono::steady_clock::now() + drain;
  {
    std::unique_lock lock(mu_);
    if (shut_down_) return;
    shut_down_ = true;
    finished_cv_.wait_until(lock, deadline, [&] { return sessions_.empty(); });
  }
  if (!uploads_.stop(deadline))
    spdlog::warn("record: stopping with {} uploads left in the spool (resumed at the next start)",
                 uploads_.pending());
  pool_.stop();
  std::unique_lock lock(mu_);
  for (auto& [stream, session] : sessions_) session->abandon();
}

Recorder::Stats Recorder::stats() const {
  Stats s;
  {
    std::shared_lock lock(mu_);
    s.active = sessions_.size();
  }
  s.spool_bytes = spool_.used();
  s.spool_capacity = spool_.capacity();
  s.pending_uploads = uploads_.pending();
  s.retries = uploads_.retries();
  return s;
}

}  // namespace stagecast::record
