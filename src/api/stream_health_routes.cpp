#include "api/stream_health_routes.h"

#include "api/json_body.h"

namespace stagecast::api {

nlohmann::json ingest_stats_json(const ingest::IngestStats& s) {
  const auto or_null = [](int64_t unix_ms) {
    return unix_ms > 0 ? nlohmann::json(unix_ms) : nlohmann::json(nullptr);
  };
  return {
      {"publisherConnected", s.publisher_connected},
      {"bitrateKbps", s.bitrate_kbps},
      {"fps", s.fps},
      {"keyframeIntervalSeconds", s.keyframe_interval_s},
      {"videoCodec", s.video_codec},
      {"width", s.width},
      {"height", s.height},
      {"announcedFrameRate", s.announced_frame_rate},
      {"audioCodec", s.audio_codec},
      {"sampleRate", s.sample_rate},
      {"channels", s.channels},
      {"videoFrames", s.video_frames},
      {"audioFrames", s.audio_frames},
      {"keyFrames", s.key_frames},
      {"bytesReceived", s.bytes_received},
      {"reconnects", s.reconnects},
      {"liveSince", or_null(s.live_since_unix_ms)},
      {"lastFrameAt", or_null(s.last_frame_unix_ms)},
  };
}

void add_stream_health_routes(net::Router& router, ApiContext& ctx, IngestStatsSource stats) {
  router.add("GET", "/api/livestream/{id}/health",
             [&ctx, stats = std::move(stats)](const net::Request& req) {
               auto caller = required_caller(ctx, req);
               if (!caller) return error_response(caller.error());
               const std::string id = req.param("id");
               auto manage = ctx.platform.streams().decide(&*caller, id, platform::Action::kManage);
               if (!manage) return error_response(manage.error());
               if (!manage->allowed) {
                 return error_response(make_error(std::string(manage->reason),
                                                  "only the stream's owner sees its health"));
               }
               auto view = ctx.platform.streams().get(&*caller, id);
               if (!view) return error_response(view.error());
               const std::optional<ingest::IngestStats> s = stats(id);
               nlohmann::json j = {
                   {"streamId", id},
                   {"status", store::to_string(view->stream.status)},
                   {"ingest", s ? ingest_stats_json(*s) : nlohmann::json(nullptr)},
               };
               return net::Response::json(200, j.dump()).header("cache-control", "no-store");
             });
}

}  // namespace stagecast::api
