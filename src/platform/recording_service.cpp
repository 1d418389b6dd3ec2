#include "platform/recording_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "platform/errors.h"

namespace stagecast::platform {
namespace {

bool finished(store::RecordingStatus s) {
  return s == store::RecordingStatus::kReady || s == store::RecordingStatus::kPartial ||
         s == store::RecordingStatus::kFailed;
}

bool playable(const store::Recording& r) {
  return (r.status == store::RecordingStatus::kReady ||
          r.status == store::RecordingStatus::kPartial) &&
         r.master_key.has_value();
}

}  // namespace

std::string replay_path(const std::string& recording_id) {
  return "/vod/" + recording_id + "/master.m3u8";
}

RecordingService::RecordingService(store::Store& store, StreamService& streams, const Clock& clock)
    : store_(store), streams_(streams), clock_(clock) {}

Result<store::Recording> RecordingService::apply(const RecordingFacts& f) {
  store::Recording r;
  r.id = f.recording_id;
  r.stream_id = f.stream_id;
  r.status = f.status;
  r.storage = f.storage;
  r.object_prefix = f.prefix;
  if (!f.master_key.empty()) r.master_key = f.master_key;
  if (!f.mp4_key.empty()) r.mp4_key = f.mp4_key;
  r.renditions = nlohmann::json(f.renditions).dump();
  r.gaps = f.gaps_json;
  r.bytes = f.bytes;
  r.duration_ms = f.duration_ms;
  r.started_at = f.started_at_ms;
  if (f.ended_at_ms > 0) r.ended_at = f.ended_at_ms;
  if (!f.error.empty()) r.error = f.error;
  if (playable(r)) r.replay_url = replay_path(r.id);
  auto stored = store_.recordings().upsert(r);
  if (!stored) return errc::from_store(stored.error());
  if (finished(stored->status) && stored->replay_url) {
    if (auto u = store_.recordings().set_stream_recording_url(r.stream_id, stored->replay_url); !u)
      spdlog::warn("recording {}: the stream's recording_url was not set: {}", r.id,
                   u.error().message);
  }
  return stored;
}

Result<int> RecordingService::fail_unresumed(const std::vector<std::string>& resumed) {
  auto open = store_.recordings().list_unfinished();
  if (!open) return errc::from_store(open.error());
  int failed = 0;
  for (auto r : *open) {
    if (std::find(resumed.begin(), resumed.end(), r.id) != resumed.end()) continue;
    r.status = store::RecordingStatus::kFailed;
    r.error = "interrupted: nothing of it was left to finish on this node";
    if (!r.ended_at) r.ended_at = clock_.unix_millis();
    if (store_.recordings().update(r)) ++failed;
  }
  return failed;
}

Result<RecordingList> RecordingService::list(const Identity* caller, const std::string& stream_id) {
  auto watch = streams_.decide(caller, stream_id, Action::kWatch);
  if (!watch) return watch.error();
  RecordingList out;
  out.watch = *watch;
  if (caller) {
    auto manage = streams_.decide(caller, stream_id, Action::kManage);
    if (!manage) return manage.error();
    out.manager = manage->allowed;
  }
  auto rows = store_.recordings().list_for_stream(stream_id);
  if (!rows) return errc::from_store(rows.error());
  for (auto& r : *rows) {
    // Others see what can be replayed; the owner also what is being made or failed.
    if (out.manager || playable(r)) out.items.push_back(std::move(r));
  }
  return out;
}

Result<store::Recording> RecordingService::find(const std::string& recording_id) {
  auto r = store_.recordings().find(recording_id);
  if (!r) return errc::from_store(r.error());
  return r;
}

Result<void> RecordingService::remove_row_and_objects(const store::Recording& r) {
  if (objects_) {
    if (auto gone = objects_->remove_all(r.object_prefix); !gone)
      return make_error(std::string(kStorageUnavailable),
                        "the recording's objects could not be removed; try again later");
  }
  if (auto d = store_.recordings().remove(r.id); !d) return errc::from_store(d.error());
  // The stream's replay link follows the latest recording still there.
  auto rest = store_.recordings().list_for_stream(r.stream_id);
  if (rest) {
    std::optional<std::string> url;
    for (const auto& other : *rest)
      if (other.kind == store::RecordingKind::kRecording && playable(other)) url = other.replay_url;
    (void)store_.recordings().set_stream_recording_url(r.stream_id, url);
  }
  return ok_result();
}

Result<void> RecordingService::remove(const Identity& caller, const std::string& recording_id) {
  auto r = store_.recordings().find(recording_id);
  if (!r) return errc::from_store(r.error());
  auto manage = streams_.decide(&caller, r->stream_id, Action::kManage);
  if (!manage) return manage.error();
  if (!manage->allowed) {
    // Someone who may not manage it learns nothing about it.
    return make_error(errc::kNotFound, "no such recording");
  }
  if (!finished(r->status))
    return make_error(errc::kConflict, "the recording is still being made; delete it once it is finished");
  return remove_row_and_objects(*r);
}

Result<store::Recording> RecordingService::clip_source(const Identity& caller,
                                                       const std::string& stream_id,
                                                       const std::optional<std::string>& recording_id) {
  auto may = streams_.decide(&caller, stream_id, Action::kModerate);
  if (!may) return may.error();
  if (!may->allowed)
    return make_error(std::string(may->reason), "only the owner and moderators cut clips");
  auto rows = store_.recordings().list_for_stream(stream_id);
  if (!rows) return errc::from_store(rows.error());
  std::optional<store::Recording> source;
  for (const auto& r : *rows) {
    // A finished recording, or the one being made while the stream is live (its live window:
    // what is already in the object store).
    const bool live = r.status == store::RecordingStatus::kRecording;
    if (r.kind != store::RecordingKind::kRecording || !(playable(r) || live)) continue;
    if (recording_id && r.id != *recording_id) continue;
    source = r;  // the latest that matches
  }
  if (!source)
    return make_error("recording_not_ready",
                      recording_id ? "no such recording of this stream"
                                   : "clips are cut from a recording; the stream has none yet");
  return *source;
}

Result<store::Recording> RecordingService::add_clip(const store::Recording& clip) {
  auto r = store_.recordings().create(clip);
  if (!r) return errc::from_store(r.error());
  return r;
}

Result<RecordingService::SweepResult> RecordingService::sweep(std::chrono::milliseconds max_age,
                                                              int64_t max_total_bytes) {
  SweepResult out;
  const int64_t now = clock_.unix_millis();
  if (max_age.count() > 0) {
    auto old = store_.recordings().list_finished_oldest(now - max_age.count(), 100);
    if (!old) return errc::from_store(old.error());
    for (const auto& r : *old) {
      if (!remove_row_and_objects(r)) break;  // the store is down: next sweep
      ++out.removed;
      out.bytes_freed += r.bytes;
    }
  }
  if (max_total_bytes > 0) {
    auto total = store_.recordings().total_bytes();
    if (!total) return errc::from_store(total.error());
    int64_t left = *total;
    while (left > max_total_bytes) {
      auto oldest = store_.recordings().list_finished_oldest(now + 1, 20);
      if (!oldest || oldest->empty()) break;
      bool progressed = false;
      for (const auto& r : *oldest) {
        if (left <= max_total_bytes) break;
        if (!remove_row_and_objects(r)) return out;
        ++out.removed;
        out.bytes_freed += r.bytes;
        left -= r.bytes;
        progressed = true;
      }
      if (!progressed) break;
    }
  }
  return out;
}

}  // namespace stagecast::platform
