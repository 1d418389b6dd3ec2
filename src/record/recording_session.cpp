#include "record/recording_session.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <system_error>

#include "hls/hls_names.h"
#include "record/vod_playlist.h"

namespace stagecast::record {
namespace {

constexpr std::string_view kPlaylistType = "application/vnd.apple.mpegurl";
constexpr std::string_view kMp4Type = "video/mp4";
// Playlists must be written even when the spool is full of segments waiting for the store: a
// recording without them cannot be replayed at all. They are small (about 40 bytes a segment).
constexpr uint64_t kPlaylistOverdraft = 8ull * 1024 * 1024;
// How often a recording's row hears of its progress (media time of the source rendition).
constexpr int64_t kProgressEveryUs = 30'000'000;

// What the journal keeps of a segment: its playlist facts.
SegmentEntry entry_of(const hls::SegmentData& seg) {
  SegmentEntry e;
  e.msn = seg.msn;
  e.duration_us = std::llround(seg.duration * 1e6);
  e.discontinuity = seg.discontinuity;
  e.init_version = seg.init_version;
  e.program_date_time_ms = seg.program_date_time_ms;
  return e;
}

}  // namespace

RecordingSession::RecordingSession(SessionContext ctx, std::shared_ptr<SerialQueue> queue,
                                   RecordingModel header)
    : ctx_(std::move(ctx)),
      queue_(std::move(queue)),
      id_(header.recording_id),
      stream_id_(header.stream_id),
      dir_(ctx_.spool.recording_dir(header.recording_id)),
      prefix_(header.prefix),
      model_(std::move(header)) {
  if (ctx_.local) staged_.emplace(id_);
}

bool RecordingSession::finished() const {
  std::lock_guard lock(mu_);
  return finished_;
}

void RecordingSession::journal(const JournalEntry& entry) {
  apply_journal_entry(model_, entry);
  if (!journal_ || failed_) return;
  if (auto r = journal_->append(entry); !r) {
    // Without a journal a crash could not be recovered from: the recording goes on (the objects
    // are still written) but is reported FAILED-safe as PARTIAL at the end with the reason.
    failed_ = true;
    error_ = "the recording journal could not be written: " + r.error().message;
    spdlog::error("record {}: {}", id_, error_);
  }
}

void RecordingSession::journal_deferred(const JournalEntry& entry) {
  apply_journal_entry(model_, entry);
  if (!journal_ || failed_) return;
  if (auto r = journal_->append(entry, false); !r) {
    failed_ = true;
    error_ = "the recording journal could not be written: " + r.error().message;
    spdlog::error("record {}: {}", id_, error_);
  }
}

void RecordingSession::enqueue(UploadTask task) {
  pending_.push_back(std::move(task));
}

// Group commit: everything written since the last commit (spool entries, the MP4 buffer, journal
// lines) is made durable at once, then its uploads are handed to the upload threads, so nothing
// leaves the spool before it is on disk.
void RecordingSession::commit() {
  // The local store's staged segments first: synced and moved into place, each directory synced
  // once. Then the spool's files, then the journal: a journal line made durable speaks of bytes
  // already on disk.
  Result<void> staged = ok_result();
  if (staged_ && !staged_->empty()) staged = ctx_.local->commit_staged(*staged_);
  std::vector<std::pair<std::string, int64_t>> segments = std::move(staged_segments_);
  staged_segments_.clear();
  {
    std::lock_guard lock(mu_);
    if (!staged) {
      spdlog::warn("record {}: {} segments could not be stored: {}", id_, segments.size(),
                   staged.error().message);
      for (const auto& [rendition, msn] : segments)
        journal_deferred(journal::Lost{rendition, msn, "store_error"});
    }
    Result<void> r = batch_.commit();
    if (r && journal_) r = journal_->sync();
    if (!r && !failed_) {
      failed_ = true;
      error_ = "the recording spool could not be synced: " + r.error().message;
      spdlog::error("record {}: {}", id_, error_);
    }
    if (staged && r)
      for (const auto& [rendition, msn] : segments) stored_through_[rendition] = msn;
  }
  for (auto& t : pending_) ctx_.uploads.push(std::move(t));
  pending_.clear();
}

std::vector<SegmentEntry> RecordingSession::stored_segments(const std::string& rendition) const {
  std::lock_guard lock(mu_);
  std::vector<SegmentEntry> out;
  auto through = stored_through_.find(rendition);
  const auto* r = model_.find(rendition);
  if (!r || through == stored_through_.end()) return out;
  for (const auto& s : r->segments)
    if (!s.lost && s.msn <= through->second) out.push_back(s);
  return out;
}

void RecordingSession::open() {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  std::lock_guard lock(mu_);
  journal_.emplace(dir_ / "journal");
  journal(journal::Header{model_.recording_id, model_.stream_id, model_.prefix,
                          model_.started_at_ms});
  if (ec) {
    failed_ = true;
    error_ = "the spool folder could not be created: " + ec.message();
  }
  ctx_.listener.on_recording(report(RecordingReport::Phase::kRecording));
}

void RecordingSession::push_spooled(SpoolEntry entry, std::function<void(bool)> done) {
  auto self = shared_from_this();
  UploadTask task;
  task.recording_id = id_;
  task.entry = entry;
  task.run = [self, entry, done] {
    const Attempt a = self->put_entry(entry);
    if (a != Attempt::kRetry && done) done(a == Attempt::kDone);
    return a;
  };
  enqueue(std::move(task));
}

void RecordingSession::push_put(const std::string& key, ByteSpan data,
                                std::string_view content_type, std::function<void(bool)> done) {
  SpoolEntry e;
  e.recording_id = id_;
  e.kind = SpoolEntry::Kind::kPut;
  e.key = key;
  e.content_type = std::string(content_type);
  const bool playlist = content_type == kPlaylistType;
  auto spooled = ctx_.spool.add(e, data, playlist ? kPlaylistOverdraft : 0, &batch_);
  if (!spooled) {
    spdlog::warn("record {}: {} not spooled: {}", id_, key, spooled.error().message);
    if (done) done(false);
    return;
  }
  push_spooled(std::move(*spooled), std::move(done));
}

Attempt RecordingSession::put_entry(const SpoolEntry& entry) {
  return classify_store_result(ctx_.store.put_file(entry.key, entry.data, entry.content_type),
                  "writing " + entry.key);
}

void RecordingSession::on_init(const std::string& rendition, int version,
                               const hls::SharedBytes& bytes) {
  if (!bytes || !hls::valid_rendition_name(rendition)) return;
  auto self = shared_from_this();
  push_put(init_key(model_.prefix, rendition, version), *bytes, kMp4Type,
           [self, rendition](bool stored) {
             if (stored) return;
             std::lock_guard lock(self->mu_);
             self->error_ = "the CMAF header of " + rendition + " was not stored";
           });
  {
    std::lock_guard lock(mu_);
    journal_deferred(journal::Init{rendition, version, bytes->size()});
  }
  if (rendition == ctx_.source_rendition) mp4_start(version, bytes);
}

void RecordingSession::on_segment(const std::string& rendition, const hls::SegmentData& seg) {
  if (!seg.bytes || !hls::valid_rendition_name(rendition)) return;
  SegmentEntry e = entry_of(seg);
  e.bytes = seg.bytes->size();
  const std::string key = segment_key(model_.prefix, rendition, seg.msn);
  std::optional<SpoolEntry> spooled;
  std::string reason;
  bool staged = false;
  if (staged_) {
    // The local store: staged in the store, moved into place by the next commit.
    if (auto r = ctx_.local->stage(*staged_, key, *seg.bytes); !r) {
      e.lost = true;
      reason = "store_error";
      spdlog::warn("record {}: {} segment {} lost: {}", id_, rendition, seg.msn, r.error().message);
    } else {
      staged_segments_.emplace_back(rendition, seg.msn);
      staged = true;
    }
  } else {
    SpoolEntry entry;
    entry.recording_id = id_;
    entry.key = key;
    entry.content_type = std::string(kMp4Type);
    auto added = ctx_.spool.add(entry, *seg.bytes, 0, &batch_);
    if (added) {
      spooled = std::move(*added);
    } else {
      e.lost = true;
      reason = added.error().code == kSpoolFull ? "spool_full" : "spool_error";
      spdlog::warn("record {}: {} segment {} lost: {}", id_, rendition, seg.msn,
                   added.error().message);
    }
  }
  bool progress = false;
  {
    std::lock_guard lock(mu_);
    journal_deferred(journal::Segment{rendition, e, reason});
    if (const auto* lead = model_.lead(); lead && lead->name == rendition) {
      const int64_t at = lead->duration_us();
      progress = at - last_progress_us_ >= kProgressEveryUs;
      if (progress) last_progress_us_ = at;
    }
  }
  if (spooled) {
    auto self = shared_from_this();
    push_spooled(std::move(*spooled), [self, rendition, msn = seg.msn](bool stored) {
      std::lock_guard lock(self->mu_);
      if (stored) {
        // A recording's uploads go in order: every earlier segment is stored or lost.
        self->stored_through_[rendition] = msn;
        return;
      }
      self->journal(journal::Lost{rendition, msn, "store_refused"});
    });
  }
  if (rendition == ctx_.source_rendition) {
    std::unique_lock lock(mu_);
    const bool running = model_.mp4.init_version >= 0 && !model_.mp4.stopped;
    if (running && e.lost) {
      mp4_stop("gap");
    } else if (running && seg.init_version != model_.mp4.init_version) {
      // The MP4 has one header: the source's codec configuration changed mid-stream.
      mp4_stop("codec_change");
    } else if (running) {
      lock.unlock();
      mp4_append(*seg.bytes, staged ? &key : nullptr);
    }
  }
  // 4.4.4.3: a discontinuity is where a publisher came back; the replay so far is written now,
  // so a crash later still leaves playable playlists up to here.
  if (seg.discontinuity) write_playlists(false);
  if (progress) {
    std::lock_guard lock(mu_);
    ctx_.listener.on_recording(report(RecordingReport::Phase::kRecording));
  }
}

void RecordingSession::on_lost(const std::string& rendition, const hls::SegmentData& seg,
                               const std::string& reason) {
  if (!hls::valid_rendition_name(rendition)) return;
  SegmentEntry e = entry_of(seg);
  e.lost = true;
  std::lock_guard lock(mu_);
  journal_deferred(journal::Segment{rendition, e, reason});
  if (rendition == ctx_.source_rendition && model_.mp4.init_version >= 0 && !model_.mp4.stopped)
    mp4_stop("gap");
}

void RecordingSession::on_variant(const std::string& rendition, const hls::VariantInfo& v) {
  if (!hls::valid_rendition_name(rendition) || v.codecs.empty()) return;
  std::lock_guard lock(mu_);
  const auto* r = model_.find(rendition);
  if (r && r->variant) {
    const auto& old = *r->variant;
    const bool same_shape = old.codecs == v.codecs && old.width == v.width &&
                            old.height == v.height &&
                            old.independent_segments == v.independent_segments;
    const double ratio = old.bandwidth ? static_cast<double>(v.bandwidth) / old.bandwidth : 2.0;
    if (same_shape && ratio > 0.9 && ratio < 1.1) return;  // not worth a journal line
  }
  journal_deferred(journal::Variant{rendition, v});
}

void RecordingSession::on_rendition_ended(const std::string& rendition) {
  bool all = false;
  {
    std::lock_guard lock(mu_);
    ended_renditions_.insert(rendition);
    if (!stop_deadline_ || finalizing_) return;
    all = true;
    for (const auto& r : model_.renditions)
      if (!r.withdrawn && !ended_renditions_.count(r.name)) all = false;
  }
  if (all) finalize();
}

void RecordingSession::on_withdrawn(const std::string& rendition) {
  {
    std::lock_guard lock(mu_);
    if (model_.find(rendition)) journal(journal::Withdrawn{rendition});
  }
  on_rendition_ended(rendition);
}

void RecordingSession::stop(std::chrono::steady_clock::time_point give_up_at) {
  {
    std::lock_guard lock(mu_);
    if (stop_deadline_) return;
    stop_deadline_ = give_up_at;
    ended_at_ms_ = ctx_.clock.unix_millis();
  }
  on_rendition_ended("");  // finalizes now if every rendition has already ended
}

void RecordingSession::check_deadline(std::chrono::steady_clock::time_point now) {
  {
    std::lock_guard lock(mu_);
    if (!stop_deadline_ || finalizing_ || now < *stop_deadline_) return;
    spdlog::warn("record {}: not every rendition ended in time; finishing with what there is", id_);
  }
  finalize();
}

void RecordingSession::resume(std::vector<SpoolEntry> entries) {
  bool done = false;
  {
    std::lock_guard lock(mu_);
    uint64_t size = 0;
    auto loaded = Journal::load(dir_ / "journal", &size);
    if (loaded) model_ = std::move(*loaded);
    journal_.emplace(dir_ / "journal", size);
    done = model_.done.has_value();
    // The stream is over (the process that recorded it is gone): finish with what is durable.
    stop_deadline_ = std::chrono::steady_clock::now();
    ended_at_ms_ = ctx_.clock.unix_millis();
    for (const auto& p : model_.mp4.parts) mp4_next_part_ = std::max(mp4_next_part_, p.number + 1);
    for (const auto& e : entries)
      if (e.kind == SpoolEntry::Kind::kPart)
        mp4_next_part_ = std::max(mp4_next_part_, e.part_number + 1);
  }
  spdlog::info("record {}: resuming after a restart ({} spooled objects to write)", id_,
               entries.size());
  if (done) {
    // The outcome was journaled; only the clean-up was cut short.
    finish();
    return;
  }
  if (ctx_.local) finish_staged(entries);
  if (ctx_.local && ctx_.mp4_direct) {
    // A power cut can take a part's bytes (a segment linked into the MP4 whose journal line
    // survived): the MP4 ends before the first part not whole, as it ends at a gap.
    std::lock_guard lock(mu_);
    auto& parts = model_.mp4.parts;
    if (!model_.mp4.upload_id.empty() && !parts.empty()) {
      const size_t whole =
          ctx_.local->whole_parts(mp4_key(model_.prefix), model_.mp4.upload_id, parts);
      if (whole < parts.size()) {
        parts.resize(whole);
        if (model_.mp4.part_bytes.size() > whole) model_.mp4.part_bytes.resize(whole);
        mp4_stop("crash");
      }
    }
  }
  const bool mp4_open = model_.mp4.init_version >= 0 && !model_.mp4.stopped;
  if (!ctx_.mp4_direct && model_.mp4.init_version >= 0) {
    std::error_code ec;
    const uint64_t buffered = std::filesystem::file_size(mp4_buffer_path(), ec);
    if (!ec && buffered > 0) {
      (void)ctx_.spool.reserve(buffered, buffered);  // already on disk: counted, never refused
      mp4_buffer_bytes_ = buffered;
    }
    if (model_.mp4.upload_id.empty() && (mp4_open || mp4_buffer_bytes_ > 0)) mp4_push_create();
  }
  auto self = shared_from_this();
  for (auto& e : entries) {
    if (e.kind == SpoolEntry::Kind::kPart) {
      mp4_push_part(std::move(e));
      continue;
    }
    const std::string key = e.key;
    push_spooled(std::move(e), [self, key](bool stored) {
      if (stored) return;
      std::lock_guard lock(self->mu_);
      // A segment the store refused for good: the gap is journaled.
      for (const auto& r : self->model_.renditions)
        for (const auto& s : r.segments)
          if (!s.lost && segment_key(self->model_.prefix, r.name, s.msn) == key)
            self->journal(journal::Lost{r.name, s.msn, "store_refused"});
    });
  }
  finalize();
}

// The local store after a crash: every segment the journal kept is in place, or is moved there
// from the staging folder (the commit was cut short before its rename: a process killed keeps
// the page cache, so the staged file is whole), or is a gap (a power cut took it). What is left in
// the staging folder was never journaled.
void RecordingSession::finish_staged(const std::vector<SpoolEntry>& entries) {
  std::set<std::string> spooled;  // written by a spool entry instead (an older run)
  for (const auto& e : entries) spooled.insert(e.key);
  std::lock_guard lock(mu_);
  std::vector<journal::Lost> lost;
  for (const auto& r : model_.renditions) {
    for (const auto& s : r.segments) {
      if (s.lost) continue;
      const std::string key = segment_key(model_.prefix, r.name, s.msn);
      if (spooled.count(key) || ctx_.local->recover_staged(id_, key, s.bytes)) continue;
      spdlog::warn("record {}: {} segment {} did not survive the crash", id_, r.name, s.msn);
      lost.push_back(journal::Lost{r.name, s.msn, "crash"});
    }
  }
  for (const auto& l : lost) journal(l);
  ctx_.local->drop_staging(id_);
}

void RecordingSession::write_playlists(bool final) {
  std::vector<std::pair<std::string, std::string>> files;
  {
    std::lock_guard lock(mu_);
    for (const auto& r : model_.renditions) {
      if (r.withdrawn) continue;
      std::string text = render_vod_media_playlist(r);
      if (!text.empty()) files.emplace_back(media_playlist_key(model_.prefix, r.name), std::move(text));
    }
    std::string master = render_vod_multivariant_playlist(model_);
    if (!master.empty()) files.emplace_back(master_playlist_key(model_.prefix), std::move(master));
    if (final) {
      playlist_bytes_ = 0;
      for (const auto& [key, text] : files) playlist_bytes_ += text.size();
    }
  }
  auto self = shared_from_this();
  for (const auto& [key, text] : files) {
    push_put(key, as_bytes(text), kPlaylistType, [self, final, key = key](bool stored) {
      if (stored || !final) return;
      std::lock_guard lock(self->mu_);
      self->failed_ = true;
      self->error_ = "a playlist could not be written: " + key;
    });
  }
}

void RecordingSession::finalize() {
  {
    std::lock_guard lock(mu_);
    if (finalizing_) return;
    finalizing_ = true;
    if (ended_at_ms_ == 0) ended_at_ms_ = ctx_.clock.unix_millis();
    ctx_.listener.on_recording(report(RecordingReport::Phase::kFinalizing));
  }
  write_playlists(true);
  mp4_finish();
  auto self = shared_from_this();
  UploadTask last;
  last.recording_id = id_;
  last.run = [self] {
    self->finish();
    return Attempt::kDone;
  };
  enqueue(std::move(last));
  commit();
}

void RecordingSession::finish() {
  RecordingReport r;
  {
    std::lock_guard lock(mu_);
    const auto* lead = model_.lead();
    RecordingOutcome outcome = RecordingOutcome::kReady;
    if (!lead || lead->kept() == 0) {
      outcome = RecordingOutcome::kFailed;
      if (error_.empty()) error_ = "nothing was recorded";
    } else if (failed_ || model_.has_gaps() || model_.mp4.stopped ||
               (model_.mp4.init_version >= 0 && !mp4_completed_)) {
      outcome = RecordingOutcome::kPartial;
    }
    if (outcome == RecordingOutcome::kPartial && error_.empty()) {
      if (model_.has_gaps())
        error_ = "segments are missing (see gaps)";
      else if (!mp4_completed_)
        error_ = "the MP4 download could not be completed";
      else if (model_.mp4.stopped)
        error_ = "the MP4 download stops early: " + model_.mp4.stop_reason;
    }
    journal(journal::Done{outcome});
    finished_ = true;
    r = report(RecordingReport::Phase::kFinished);
  }
  ctx_.listener.on_recording(r);
  if (ctx_.local) ctx_.local->drop_staging(id_);  // empty, or what a failed commit left
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  if (on_finished_) on_finished_();
}

RecordingReport RecordingSession::report(RecordingReport::Phase phase) const {
  RecordingReport r;
  r.phase = phase;
  r.recording_id = model_.recording_id;
  r.stream_id = model_.stream_id;
  r.started_at_ms = model_.started_at_ms;
  r.ended_at_ms = ended_at_ms_;
  r.duration_ms = model_.duration_ms();
  r.prefix = model_.prefix;
  for (const auto& rendition : model_.renditions) {
    r.bytes += rendition.bytes();
    if (!rendition.withdrawn && rendition.kept() > 0) r.renditions.push_back(rendition.name);
  }
  r.bytes += model_.mp4.bytes() + playlist_bytes_;
  r.gaps = model_.gaps();
  r.error = error_;
  if (phase == RecordingReport::Phase::kFinished) {
    r.outcome = model_.done;
    if (!r.renditions.empty()) r.master_key = master_playlist_key(model_.prefix);
    if (mp4_completed_) r.mp4_key = mp4_key(model_.prefix);
  }
  return r;
}

}  // namespace stagecast::record
