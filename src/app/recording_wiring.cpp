#include "app/recording_wiring.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "api/recording_routes.h"
#include "core/random.h"
#include "record/clip_maker.h"
#include "record/local_object_store.h"
#include "record/s3_environment.h"
#include "record/s3_object_store.h"

namespace stagecast::app {
namespace {

// Past this an object is not passed through whole (api/vod_routes.cpp serves ranges).
constexpr uint64_t kMaxWholeRead = 64ull * 1024 * 1024;
constexpr auto kFactsTtl = std::chrono::seconds(5);

std::filesystem::path under_data_dir(const Config& c, const std::string& configured,
                                     const char* fallback) {
  if (!configured.empty()) return configured;
  return std::filesystem::path(c.data_dir) / fallback;
}

store::RecordingStatus status_of(const record::RecordingReport& r) {
  using Phase = record::RecordingReport::Phase;
  if (r.phase == Phase::kRecording) return store::RecordingStatus::kRecording;
  if (r.phase == Phase::kFinalizing) return store::RecordingStatus::kFinalizing;
  switch (r.outcome.value_or(record::RecordingOutcome::kFailed)) {
    case record::RecordingOutcome::kReady:
      return store::RecordingStatus::kReady;
    case record::RecordingOutcome::kPartial:
      return store::RecordingStatus::kPartial;
    case record::RecordingOutcome::kFailed:
      break;
  }
  return store::RecordingStatus::kFailed;
}

std::string gaps_json(const std::vector<record::RecordingGap>& gaps) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& g : gaps)
    out.push_back({{"rendition", g.rendition},
                   {"firstMsn", g.first_msn},
                   {"lastMsn", g.last_msn},
                   {"startMs", g.start_ms},
                   {"durationMs", g.duration_ms},
                   {"reason", g.reason}});
  return out.dump();
}

}  // namespace

Result<std::unique_ptr<record::ObjectStore>> open_object_store(const Config& c,
                                                               const std::vector<std::string>& env,
                                                               const Clock& clock) {
  if (c.record_store == "local") {
    auto local = record::LocalObjectStore::open(under_data_dir(c, c.record_local_dir, "objects"));
    if (!local) return local.error();
    return std::unique_ptr<record::ObjectStore>(std::move(*local));
  }
  record::S3Settings configured;
  configured.endpoint = c.record_s3_endpoint;
  configured.region = c.record_s3_region;
  configured.bucket = c.record_s3_bucket;
  configured.path_style = c.record_s3_path_style;
  configured.credentials = {c.record_s3_access_key_id, c.record_s3_secret_access_key,
                            c.record_s3_session_token};
  record::S3StoreOptions o;
  o.settings = record::resolve_s3_settings(configured, env);
  o.request_timeout = std::chrono::milliseconds(c.record_s3_timeout_ms);
  o.clock = &clock;
  auto s3 = record::S3ObjectStore::create(std::move(o));
  if (!s3) return s3.error();
  return std::unique_ptr<record::ObjectStore>(std::move(*s3));
}

RecordingWiring::RecordingWiring(const Config& c, platform::PlatformServices& platform,
                                 store::Store& store, WorkerPool& workers,
                                 MetricsRegistry& metrics, const Clock& clock,
                                 const std::vector<std::string>& env)
    : config_(c), platform_(platform), workers_(workers), metrics_(metrics), clock_(clock) {
  auto objects = open_object_store(c, env, clock);
  if (!objects) throw std::runtime_error("record: " + objects.error().message);
  store_ = std::move(*objects);
  service_ = std::make_unique<platform::RecordingService>(store, platform.streams(), clock);
  service_->set_objects(this);
  reports_ = SerialQueue::create(workers_, 100'000);
  replay_pool_ = std::make_unique<WorkerPool>("replay", 4, 256);
  record::RecorderOptions o;
  o.spool_dir = under_data_dir(c, c.record_spool_dir, "record-spool");
  o.spool_max_bytes = static_cast<uint64_t>(c.record_spool_max_bytes);
  o.key_prefix = c.record_key_prefix;
  o.mp4_part_bytes = static_cast<uint64_t>(c.record_mp4_part_bytes);
  o.threads = static_cast<size_t>(c.record_threads);
  o.upload_threads = static_cast<size_t>(c.record_upload_threads);
  o.backoff = record::BackoffPolicy{std::chrono::milliseconds(c.record_retry_initial_ms),
                                    std::chrono::milliseconds(c.record_retry_max_ms)};
  o.rendition_end_wait = std::chrono::milliseconds(c.record_rendition_end_wait_ms);
  recorder_ = std::make_unique<record::Recorder>(*store_, o, *this, clock);
  spdlog::info("record: recordings go to the {} object store{}", store_->kind(),
               store_->kind() == "s3" ? " (bucket " + c.record_s3_bucket + ")" : "");
}

RecordingWiring::~RecordingWiring() { shutdown(); }

void RecordingWiring::recover() {
  const auto resumed = recorder_->recover();
  auto failed = service_->fail_unresumed(resumed);
  if (!failed)
    spdlog::warn("record: the unfinished recordings could not be checked: {}",
                 failed.error().message);
  else if (*failed > 0)
    spdlog::warn("record: {} recordings of an earlier run could not be finished (FAILED)", *failed);
}

void RecordingWiring::add_routes(net::Router& router, api::ApiContext& ctx) {
  api::add_recording_routes(router, ctx, *service_,
                            [this](const platform::Identity& caller, const std::string& stream_id,
                                   const api::ClipInput& input) {
                              return cut_clip(caller, stream_id, input);
                            });
  api::VodOptions vod;
  vod.whole_max_bytes = static_cast<uint64_t>(config_.record_download_whole_max_bytes);
  api::add_vod_routes(router, *this, *replay_pool_, vod);
}

Result<store::Recording> RecordingWiring::cut_clip(const platform::Identity& caller,
                                                   const std::string& stream_id,
                                                   const api::ClipInput& input) {
  auto source = service_->clip_source(caller, stream_id, input.recording_id);
  if (!source) return source.error();
  store::Recording clip;
  clip.id = random_id();
  clip.stream_id = stream_id;
  clip.kind = store::RecordingKind::kClip;
  clip.status = store::RecordingStatus::kReady;
  clip.storage = std::string(store_->kind());
  clip.object_prefix = config_.record_key_prefix + "/" + stream_id + "/clips/" + clip.id;
  record::ClipRequest req{source->object_prefix, "source",           input.start_ms,
                          input.duration_ms,     clip.object_prefix, std::nullopt};
  if (source->status == store::RecordingStatus::kRecording) {
    // Live: cut from what of the recording is already in the object store.
    auto live = recorder_->live_window(stream_id, source->id);
    if (!live || live->segments.empty())
      return make_error("recording_not_ready",
                        "nothing of the live stream is stored yet; try again in a few seconds");
    req.source_prefix = live->prefix;
    req.live_segments = std::move(live->segments);
  }
  auto made = record::make_clip(*store_, req, static_cast<uint64_t>(config_.record_mp4_part_bytes));
  if (!made) {
    (void)remove_all(clip.object_prefix);  // nothing half-made stays behind
    if (made.error().code == record::kClipOutOfRange) return made.error();
    spdlog::warn("clip of {}: {}", stream_id, made.error().message);
    return make_error(std::string(platform::kStorageUnavailable),
                      "the clip could not be stored; try again later");
  }
  clip.master_key = made->master_key;
  clip.mp4_key = made->mp4_key;
  clip.renditions = R"(["source"])";
  clip.bytes = static_cast<int64_t>(made->bytes);
  clip.duration_ms = made->duration_ms;
  clip.started_at = clock_.unix_millis();
  clip.ended_at = clip.started_at;
  clip.replay_url = platform::replay_path(clip.id);
  clip.title = input.title;
  clip.source_recording_id = source->id;
  clip.clip_start_ms = made->start_ms;
  clip.created_by = caller.user_id;
  auto row = service_->add_clip(clip);
  if (!row) (void)remove_all(clip.object_prefix);
  return row;
}

void RecordingWiring::on_recording(const record::RecordingReport& r) {
  platform::RecordingFacts f;
  f.recording_id = r.recording_id;
  f.stream_id = r.stream_id;
  f.status = status_of(r);
  f.storage = std::string(store_->kind());
  f.prefix = r.prefix;
  f.master_key = r.master_key;
  f.mp4_key = r.mp4_key;
  f.renditions = r.renditions;
  f.gaps_json = gaps_json(r.gaps);
  f.bytes = static_cast<int64_t>(r.bytes);
  f.duration_ms = r.duration_ms;
  f.started_at_ms = r.started_at_ms;
  f.ended_at_ms = r.ended_at_ms;
  f.error = r.error;
  // A finished report must land even when the queue is long: it is what makes the replay exist.
  reports_->post_always([this, f] {
    if (auto done = service_->apply(f); !done)
      spdlog::error("recording {}: its row was not written: {}", f.recording_id,
                    done.error().message);
  });
}

Result<void> RecordingWiring::remove_all(const std::string& prefix) {
  if (prefix.empty()) return make_error("invalid_argument", "no prefix");
  auto objects = store_->list(prefix + "/");
  if (!objects) return objects.error();
  for (const auto& o : *objects)
    if (auto r = store_->remove(o.key); !r) return r;
  if (auto open = store_->list_multipart(prefix + "/"); open) {
    for (const auto& u : *open) (void)store_->abort_multipart(u.key, u.upload_id);
  }
  return ok_result();
}

Result<api::ReplayRecording> RecordingWiring::recording(const std::string& recording_id) {
  auto r = service_->find(recording_id);
  if (!r) return r.error();
  api::ReplayRecording out;
  out.stream_id = r->stream_id;
  out.prefix = r->object_prefix;
  out.playable = r->replay_url.has_value();
  out.mp4_key = r->mp4_key.value_or("");
  return out;
}

std::optional<RecordingWiring::StreamFacts> RecordingWiring::stream_facts(
    const std::string& stream_id) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(facts_mu_);
    auto it = facts_.find(stream_id);
    if (it != facts_.end() && now - it->second.fetched < kFactsTtl) return it->second;
  }
  auto view = platform_.streams().get(nullptr, stream_id);
  if (!view) return std::nullopt;
  StreamFacts f{view->stream.artist_id, view->watch.allowed, now};
  std::lock_guard lock(facts_mu_);
  if (facts_.size() > 10'000) facts_.clear();
  facts_[stream_id] = f;
  return f;
}

bool RecordingWiring::may_play(const std::string& stream_id, const net::Request& request) {
  auto facts = stream_facts(stream_id);
  if (!facts) return false;
  auto token = request.query_param("token");
  if (token) {
    auto grant = platform_.playback().verify(*token, stream_id);
    if (grant) {
      // A ban, a timeout or a refunded ticket ends replay too, before the token expires.
      if (revocations_ && (revocations_->stream_revoked(stream_id, grant->viewer_id) ||
                           revocations_->revoked(facts->artist_id, grant->viewer_id,
                                                 clock_.unix_millis())))
        return false;
      return true;
    }
  }
  // Without a (valid) token: a PUBLIC stream that anonymous viewers may watch.
  return facts->anonymous_may_watch;
}

Result<api::ReplayBytes> RecordingWiring::read(const std::string& key,
                                               std::optional<std::pair<uint64_t, uint64_t>> range) {
  std::optional<record::ByteRange> r;
  if (range) {
    r = record::ByteRange{range->first, range->second};
  } else {
    auto size = store_->size(key);
    if (!size) return size.error();
    if (!*size) return make_error(record::errc::kNotFound, "no such object");
    if (**size > kMaxWholeRead) return make_error(record::errc::kInvalid, "too large to pass whole");
  }
  auto bytes = store_->get(key, r);
  if (!bytes) return bytes.error();
  return api::ReplayBytes{std::move(bytes->data), bytes->total_size};
}

Result<uint64_t> RecordingWiring::size(const std::string& key) {
  auto size = store_->size(key);
  if (!size) return size.error();
  if (!*size) return make_error(record::errc::kNotFound, "no such object");
  return **size;
}

std::optional<std::string> RecordingWiring::presigned_url(const std::string& key) {
  if (!config_.record_presign_downloads) return std::nullopt;
  return store_->presigned_get_url(key, std::chrono::seconds(config_.record_presign_ttl_seconds));
}

void RecordingWiring::publish_metrics() {
  const auto s = recorder_->stats();
  metrics_.gauge("stagecast_record_active", "Recordings not finished yet")
      .set(static_cast<int64_t>(s.active));
  metrics_.gauge("stagecast_record_spool_bytes", "Bytes in the recording spool (not stored yet)")
      .set(static_cast<int64_t>(s.spool_bytes));
  metrics_.gauge("stagecast_record_spool_capacity_bytes", "record.spool_max_bytes")
      .set(static_cast<int64_t>(s.spool_capacity));
  metrics_.gauge("stagecast_record_pending_uploads", "Object store writes waiting or retrying")
      .set(static_cast<int64_t>(s.pending_uploads));
  metrics_.gauge("stagecast_record_retries", "Object store writes retried since the start")
      .set(static_cast<int64_t>(s.retries));
}

void RecordingWiring::tick() {
  recorder_->tick();
  publish_metrics();
  ++ticks_;
  const bool retention =
      config_.record_retention_max_age_seconds > 0 || config_.record_retention_max_total_bytes > 0;
  if (!retention || ticks_ % config_.record_retention_sweep_seconds != 0 || sweeping_) return;
  sweeping_ = true;
  const bool posted = workers_.post([this] {
    auto swept = service_->sweep(std::chrono::seconds(config_.record_retention_max_age_seconds),
                                 config_.record_retention_max_total_bytes);
    if (swept && swept->removed > 0)
      spdlog::info("record: retention removed {} recordings ({} bytes)", swept->removed,
                   swept->bytes_freed);
    else if (!swept)
      spdlog::warn("record: the retention sweep failed: {}", swept.error().message);
    sweeping_ = false;
  });
  if (!posted) sweeping_ = false;
}

void RecordingWiring::shutdown() {
  if (!recorder_) return;
  recorder_->shutdown(std::chrono::milliseconds(config_.record_shutdown_drain_ms));
  replay_pool_->stop();
}

}  // namespace stagecast::app
