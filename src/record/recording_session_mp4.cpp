// RecordingSession: the downloadable MP4 of the source rendition. Its bytes are the source's
// CMAF header followed by every segment, which is a fragmented MP4 (ISO/IEC 14496-12 8.8:
// moov with mvex, then moof+mdat fragments) that players and ffprobe read whole; nothing is
// re-encoded or rewritten.
//
// S3: a multipart upload (Amazon S3 API reference, UploadPart: parts of 5 MiB or more except the
// last, numbered 1..10000). The part being filled is a file in the recording's spool folder,
// appended segment by segment and fdatasynced, its bytes reserved in the spool; once it reaches
// part_bytes it becomes a spool entry and an UploadPart task. The completion comes after the last
// part in the recording's task order; a failure aborts the upload, so none is left behind.
// Local store: the header is appended to the upload, and each segment, staged in the store a
// moment before, is added as a part by a hard link (upload_part_staged): the completed MP4 is a
// composite object whose pieces are the segment files themselves, so its bytes are never
// written twice.

#include <spdlog/spdlog.h>

#include <system_error>

#include "record/durable_file.h"
#include "record/recording_session.h"

namespace stagecast::record {

std::filesystem::path RecordingSession::mp4_buffer_path() const { return dir_ / "mp4-part"; }

void RecordingSession::mp4_stop(const std::string& reason) {
  if (model_.mp4.stopped) return;
  spdlog::warn("record {}: the MP4 download stops here ({})", id_, reason);
  journal(journal::Mp4Stopped{reason});
}

void RecordingSession::mp4_start(int init_version, const hls::SharedBytes& init) {
  {
    std::lock_guard lock(mu_);
    if (model_.mp4.init_version >= 0) return;
    journal_deferred(journal::Mp4Start{init_version});
  }
  if (ctx_.mp4_direct) {
    auto id = ctx_.store.create_multipart(mp4_key(model_.prefix), "video/mp4");
    std::lock_guard lock(mu_);
    if (!id) {
      mp4_stop("store_error");
      return;
    }
    journal(journal::Mp4Upload{*id});
  } else {
    mp4_push_create();
  }
  mp4_append(*init);
}

void RecordingSession::mp4_append(ByteSpan bytes, const std::string* staged_key) {
  if (ctx_.mp4_direct) {
    std::string upload_id;
    {
      std::lock_guard lock(mu_);
      if (model_.mp4.stopped || model_.mp4.upload_id.empty()) return;
      upload_id = model_.mp4.upload_id;
    }
    // A segment just staged on the local store is linked into the upload, not written again:
    // the disk holds the source's bytes once (docs/recording.md, "departure").
    auto part =
        staged_key && ctx_.local && staged_
            ? ctx_.local->upload_part_staged(*staged_, *staged_key, mp4_key(model_.prefix),
                                             upload_id, mp4_next_part_)
            : ctx_.store.upload_part(mp4_key(model_.prefix), upload_id, mp4_next_part_, bytes);
    std::lock_guard lock(mu_);
    if (!part) {
      mp4_stop("store_error");
      return;
    }
    ++mp4_next_part_;
    journal_deferred(journal::Mp4Part{part->number, bytes.size(), part->etag});
    return;
  }
  {
    std::lock_guard lock(mu_);
    if (model_.mp4.stopped) return;
  }
  if (!ctx_.spool.reserve(bytes.size())) {
    std::lock_guard lock(mu_);
    mp4_stop("spool_full");
    return;
  }
  if (auto r = write_at_deferred(mp4_buffer_path(), mp4_buffer_bytes_, bytes, batch_); !r) {
    ctx_.spool.release(bytes.size());
    std::lock_guard lock(mu_);
    mp4_stop("spool_error");
    return;
  }
  mp4_buffer_bytes_ += bytes.size();
  if (mp4_buffer_bytes_ >= ctx_.mp4_part_bytes) mp4_seal_buffer();
}

void RecordingSession::mp4_seal_buffer() {
  if (ctx_.mp4_direct || mp4_buffer_bytes_ == 0) return;
  SpoolEntry e;
  e.recording_id = id_;
  e.kind = SpoolEntry::Kind::kPart;
  e.key = mp4_key(model_.prefix);
  e.part_number = mp4_next_part_;
  const uint64_t bytes = mp4_buffer_bytes_;
  auto entry = ctx_.spool.adopt(e, mp4_buffer_path());
  mp4_buffer_bytes_ = 0;
  if (!entry) {
    ctx_.spool.release(bytes);
    std::lock_guard lock(mu_);
    mp4_stop("spool_error");
    return;
  }
  ++mp4_next_part_;
  mp4_push_part(std::move(*entry));
}

void RecordingSession::mp4_push_create() {
  if (mp4_created_pushed_) return;
  mp4_created_pushed_ = true;
  auto self = shared_from_this();
  UploadTask task;
  task.recording_id = id_;
  task.run = [self] {
    {
      std::lock_guard lock(self->mu_);
      if (!self->model_.mp4.upload_id.empty()) return Attempt::kDone;
    }
    auto id = self->ctx_.store.create_multipart(mp4_key(self->model_.prefix), "video/mp4");
    const Attempt a = classify_store_result(id ? ok_result() : Result<void>(id.error()),
                                            "starting the MP4 upload");
    std::lock_guard lock(self->mu_);
    if (id) self->journal(journal::Mp4Upload{*id});
    if (a == Attempt::kGiveUp) self->mp4_stop("store_refused");
    return a;
  };
  enqueue(std::move(task));
}

void RecordingSession::mp4_push_part(SpoolEntry entry) {
  auto self = shared_from_this();
  UploadTask task;
  task.recording_id = id_;
  task.entry = entry;
  task.run = [self, entry] {
    std::string upload_id;
    {
      std::lock_guard lock(self->mu_);
      upload_id = self->model_.mp4.upload_id;
    }
    if (upload_id.empty()) return Attempt::kGiveUp;  // the upload could not be started
    auto data = read_file(entry.data, 6ull * 1024 * 1024 * 1024);
    if (!data) {
      std::lock_guard lock(self->mu_);
      self->mp4_stop("spool_error");
      return Attempt::kGiveUp;
    }
    auto part = self->ctx_.store.upload_part(entry.key, upload_id, entry.part_number, *data);
    // NoSuchUpload (404): the upload is gone (aborted by someone, a lifecycle rule); no part can
    // be added to it any more.
    const Attempt a =
        part ? Attempt::kDone
             : (part.error().code == errc::kNotFound
                    ? Attempt::kGiveUp
                    : classify_store_result(part.error(), "uploading MP4 part " +
                                                              std::to_string(entry.part_number)));
    std::lock_guard lock(self->mu_);
    if (part) self->journal(journal::Mp4Part{part->number, data->size(), part->etag});
    if (a == Attempt::kGiveUp) self->mp4_stop("upload_lost");
    return a;
  };
  enqueue(std::move(task));
}

void RecordingSession::mp4_finish() {
  {
    std::lock_guard lock(mu_);
    if (model_.mp4.init_version < 0) return;  // no source header ever came
  }
  mp4_seal_buffer();
  auto self = shared_from_this();
  UploadTask task;
  task.recording_id = id_;
  task.run = [self] {
    std::string upload_id;
    std::vector<UploadedPart> parts;
    {
      std::lock_guard lock(self->mu_);
      upload_id = self->model_.mp4.upload_id;
      parts = self->model_.mp4.parts;
    }
    if (upload_id.empty()) return Attempt::kDone;
    const std::string key = mp4_key(self->model_.prefix);
    if (parts.empty()) {
      // Nothing to complete: abort, so no upload is left open.
      return classify_store_result(self->ctx_.store.abort_multipart(key, upload_id),
                                   "aborting the empty MP4 upload");
    }
    auto done = self->ctx_.store.complete_multipart(key, upload_id, parts);
    Attempt a = classify_store_result(done, "completing the MP4 upload");
    if (!done && done.error().code == errc::kNotFound) a = Attempt::kGiveUp;
    if (a == Attempt::kGiveUp) {
      // Refused for good (a part too small, a part missing): abort rather than leave it open.
      (void)self->ctx_.store.abort_multipart(key, upload_id);
      std::lock_guard lock(self->mu_);
      self->mp4_stop("complete_refused");
    }
    if (a == Attempt::kDone) {
      std::lock_guard lock(self->mu_);
      self->mp4_completed_ = true;
    }
    return a;
  };
  enqueue(std::move(task));
  // An upload the store created but whose answer was lost (it went away mid-request; the create
  // was then tried again) is open under the same key with an id nobody journaled: whatever is
  // still open there once the MP4 is completed or aborted is aborted, before the recording is
  // reported finished.
  UploadTask sweep;
  sweep.recording_id = id_;
  sweep.run = [self] {
    const std::string key = mp4_key(self->model_.prefix);
    auto open = self->ctx_.store.list_multipart(key);
    if (!open) return classify_store_result(Result<void>(open.error()), "listing open MP4 uploads");
    for (const OpenUpload& u : *open) {
      if (u.key != key) continue;
      spdlog::warn("record {}: aborting a stray MP4 upload", self->id_);
      auto r = self->ctx_.store.abort_multipart(key, u.upload_id);
      if (!r && r.error().code != errc::kNotFound) {
        const Attempt a = classify_store_result(r, "aborting a stray MP4 upload");
        if (a != Attempt::kDone) return a;
      }
    }
    return Attempt::kDone;
  };
  enqueue(std::move(sweep));
}

}  // namespace stagecast::record
