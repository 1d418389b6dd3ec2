#pragma once
// Joins recording (record/) to the platform and the HTTP routes without either knowing the other
// (DESIGN.md, layers; docs/recording.md):
//  * builds the object store from configuration (a local directory, or S3 with credentials from
//    record.s3_* or the AWS_* environment) and the Recorder, which watches the RenditionStore;
//  * RecordingListener: the recorder's reports become stream_recordings rows through
//    RecordingService, in order, on the database workers;
//  * RecordingObjects: deleting a recording (API, retention) removes its objects;
//  * api::ReplaySource: /vod/ reads recordings from the object store under the stream's access
//    rules (playback token, anonymous PUBLIC), with a short cache of the stream's facts;
//  * a once-a-second tick: rendition end deadlines, metrics, the retention sweep.

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/api_context.h"
#include "api/recording_routes.h"
#include "api/vod_routes.h"
#include "app/config.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "core/serial_queue.h"
#include "core/worker_pool.h"
#include "net/router.h"
#include "platform/platform_services.h"
#include "platform/playback_revocations.h"
#include "platform/recording_service.h"
#include "record/object_store.h"
#include "record/recorder.h"

namespace stagecast::app {

// The object store the configuration names. Errors: config_invalid (S3 settings, credentials).
Result<std::unique_ptr<record::ObjectStore>> open_object_store(const Config& config,
                                                               const std::vector<std::string>& env,
                                                               const Clock& clock);

class RecordingWiring final : public record::RecordingListener,
                              public platform::RecordingObjects,
                              public api::ReplaySource {
 public:
  // Throws on a configuration that cannot work (start-up error).
  RecordingWiring(const Config& config, platform::PlatformServices& platform, store::Store& store,
                  WorkerPool& workers, MetricsRegistry& metrics, const Clock& clock,
                  const std::vector<std::string>& env);
  ~RecordingWiring() override;

  record::Recorder& recorder() { return *recorder_; }
  platform::RecordingService& service() { return *service_; }
  void set_revocations(const platform::PlaybackRevocations* r) { revocations_ = r; }

  // Before serving: unfinished recordings of an earlier run are finished, the rows of those that
  // cannot be are marked FAILED.
  void recover();
  void add_routes(net::Router& router, api::ApiContext& ctx);
  // POST /api/livestream/{id}/clips: checks who may cut, copies the segments (record/clip_maker.h)
  // and writes the clip's row. Blocking (worker).
  Result<store::Recording> cut_clip(const platform::Identity& caller, const std::string& stream_id,
                                    const api::ClipInput& input);
  void tick();  // once a second
  // On stop: waits for recordings to finish (record.shutdown_drain_ms) before the workers stop.
  void shutdown();

  // record::RecordingListener
  void on_recording(const record::RecordingReport& report) override;
  // platform::RecordingObjects
  Result<void> remove_all(const std::string& prefix) override;
  // api::ReplaySource
  Result<api::ReplayRecording> recording(const std::string& recording_id) override;
  bool may_play(const std::string& stream_id, const net::Request& request) override;
  Result<api::ReplayBytes> read(const std::string& key,
                                std::optional<std::pair<uint64_t, uint64_t>> range) override;
  Result<uint64_t> size(const std::string& key) override;
  std::optional<std::string> presigned_url(const std::string& key) override;

 private:
  struct StreamFacts {
    std::string artist_id;
    bool anonymous_may_watch = false;
    std::chrono::steady_clock::time_point fetched;
  };
  std::optional<StreamFacts> stream_facts(const std::string& stream_id);
  void publish_metrics();

  const Config config_;
  platform::PlatformServices& platform_;
  WorkerPool& workers_;
  MetricsRegistry& metrics_;
  const Clock& clock_;
  const platform::PlaybackRevocations* revocations_ = nullptr;
  std::unique_ptr<record::ObjectStore> store_;
  std::unique_ptr<platform::RecordingService> service_;
  std::shared_ptr<SerialQueue> reports_;  // the recorder's reports, applied in order
  std::unique_ptr<WorkerPool> replay_pool_;
  std::unique_ptr<record::Recorder> recorder_;
  std::mutex facts_mu_;
  std::map<std::string, StreamFacts> facts_;
  int ticks_ = 0;
  std::atomic<bool> sweeping_{false};
};

}  // namespace stagecast::app
