#pragma once
// Joins the media path to the platform without either knowing the other (DESIGN.md, layers):
//  * PublishAuthorizer: a publisher's stream key is checked by StreamService on the worker pool;
//  * StreamLifecycleListener: a stream going live gets an LL-HLS packager on its hub and is
//    marked LIVE in the store (and, with transcoding on for the server and the stream, a
//    Transcoder whose rungs each get their own packager, fed off the I/O threads on the
//    transcode pool); a resumed one is marked resumed; an ended one is retired from the
//    rendition store and marked ENDED;
//  * StreamEvents: the API's "end" disconnects the publisher.
// It also answers the HLS routes' access question without a database round trip: visibility is
// cached when a stream is authorised, and tokens are HMAC-checked.

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/worker_pool.h"
#include "hls/ll_hls_packager.h"
#include "hls/rendition_store.h"
#include "ingest/live_stream_registry.h"
#include "ingest/publish_authorizer.h"
#include "ingest/stream_lifecycle_listener.h"
#include "media/thumbnail_store.h"
#include "net/http_message.h"
#include "platform/platform_services.h"
#include "platform/playback_revocations.h"
#include "platform/stream_events.h"
#include "record/recorder.h"
#include "transcode/thumbnail_sink.h"
#include "transcode/transcoder.h"
#include "whep/whep_server.h"

namespace stagecast::app {

struct MediaWiringOptions {
  std::chrono::milliseconds segment_target{2000};
  std::chrono::milliseconds part_target{250};
  size_t window_segments = 6;
  int part_hold_back_percent = 300;
  bool delta_updates = true;
  std::chrono::milliseconds linger_after_end{60'000};
  // PUBLIC streams' HLS without a token (auth.allow_anonymous_viewers); when false, every stream
  // needs a playback token, which the API gives to signed-in users the policy lets watch.
  bool anonymous_public = true;
  // ABR: a Transcoder beside the source packager, one packager per rung below the source.
  bool transcode = true;
  std::vector<transcode::LadderStep> transcode_ladder = transcode::default_ladder();
  size_t transcode_threads = 2;
  std::string transcode_preset = "veryfast";
  // Live thumbnails (docs/web.md): a JPEG from a key frame every interval, on their own pool.
  bool thumbnails = true;
  std::chrono::seconds thumbnail_interval{5};
  int thumbnail_width = 480;
  int thumbnail_quality = 5;
  // Where an ended stream's last picture is kept across restarts (empty: not kept).
  std::string thumbnail_dir;
  size_t thumbnails_kept = 2000;
};

class MediaWiring final : public ingest::PublishAuthorizer,
                          public ingest::StreamLifecycleListener,
                          public platform::StreamEvents {
 public:
  MediaWiring(platform::PlatformServices& platform, WorkerPool& workers, hls::RenditionStore& hls,
              MetricsRegistry& metrics, const Clock& clock, MediaWiringOptions options);

  // The registry is created after this object (it needs it as its listener).
  void set_registry(ingest::LiveStreamRegistry* registry) { registry_ = registry; }
  // Recording (record.enabled): streams whose own `record` is on are recorded while live.
  void set_recorder(record::Recorder* recorder) { recorder_ = recorder; }
  // Live thumbnails go here (options.thumbnails); not owned. Set before serving.
  void set_thumbnail_store(media::ThumbnailStore* store) { thumbnail_store_ = store; }

  // ingest::PublishAuthorizer
  void authorize(const ingest::PublishRequest& request,
                 std::function<void(Result<ingest::PublishGrant>)> done) override;

  // ingest::StreamLifecycleListener
  void on_stream_live(const std::string& stream_id, std::shared_ptr<media::StreamHub> hub) override;
  void on_stream_resumed(const std::string& stream_id,
                         std::shared_ptr<media::StreamHub> hub) override;
  void on_stream_ended(const std::string& stream_id, const std::string& reason) override;

  // platform::StreamEvents
  void ended(const store::LiveStream& stream, std::string_view reason) override;

  // Who may play the stream with this playback token (none: only a PUBLIC stream open to
  // anonymous viewers admits them); nullopt when nobody is admitted. Runs on I/O threads, never
  // blocks.
  struct PlaybackAccess {
    std::string viewer_id;   // empty: anonymous
    int64_t expires_at = 0;  // unix seconds the token runs out; 0: admitted without one
  };
  std::optional<PlaybackAccess> playback_access(const std::string& stream_id,
                                                std::optional<std::string_view> token) const;
  // What WebRTC viewers of the stream may be sent, given its source hub, highest first: the
  // source and the transcoded rungs, but only the rungs when the source has B-frames (WebRTC has
  // no reordering; the ladder encodes without them). Empty when nothing can be played over
  // WebRTC. Any thread.
  whep::RealtimeLadder realtime_ladder(const std::string& stream_id,
                                       std::shared_ptr<media::StreamHub> source) const;
  // For the HLS routes: the `token` query parameter.
  bool may_play(const std::string& stream_id, const net::Request& request) const {
    return playback_access(stream_id, request.query_param("token")).has_value();
  }
  // Told of every ban, timeout and unban (ModerationService listener) and of every ticket that
  // stops or starts admitting its fan (TicketService listener), for may_play.
  platform::PlaybackRevocations& revocations() { return revocations_; }

 private:
  platform::PlatformServices& platform_;
  WorkerPool& workers_;
  hls::RenditionStore& hls_;
  MetricsRegistry& metrics_;
  const Clock& clock_;
  platform::PlaybackRevocations revocations_;
  MediaWiringOptions options_;
  ingest::LiveStreamRegistry* registry_ = nullptr;
  record::Recorder* recorder_ = nullptr;
  // Declared before the transcoders: destroyed after them, so their last tasks still run.
  std::unique_ptr<WorkerPool> transcode_pool_;
  transcode::TranscoderMetrics transcode_metrics_;
  media::ThumbnailStore* thumbnail_store_ = nullptr;
  std::unique_ptr<WorkerPool> thumbnail_pool_;  // one thread, a short queue: pictures, not video
  transcode::ThumbnailMetrics thumbnail_metrics_;

  mutable std::mutex mu_;
  struct Access {
    std::string artist_id;
    bool is_public = false;
    bool transcode = true;  // the stream's own choice, read when its publisher is authorised
    bool record = true;     // likewise
    std::optional<std::chrono::steady_clock::time_point> ended_at;
  };
  // Stream id -> visibility and ABR choice, from authorisation until the stream's HLS has lingered
  // out.
  std::map<std::string, Access> access_;
  std::map<std::string, std::shared_ptr<hls::LlHlsPackager>> packagers_;
  std::map<std::string, std::shared_ptr<transcode::Transcoder>> transcoders_;
  // Each transcoded rung as a stream of its own (its packager follows it, and so may WebRTC),
  // highest first.
  struct RungHub {
    std::string name;
    int height = 0;
    uint64_t bitrate = 0;
    std::shared_ptr<media::StreamHub> hub;
  };
  std::map<std::string, std::vector<RungHub>> rung_hubs_;
};

}  // namespace stagecast::app
