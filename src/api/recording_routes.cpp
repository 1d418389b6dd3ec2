#include "api/recording_routes.h"

#include "api/json_body.h"
#include "net/url.h"

namespace stagecast::api {

nlohmann::json recording_json(const ApiContext& ctx, const store::Recording& r, bool may_watch,
                              const std::string& token_query) {
  auto opt = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  auto parsed = [](const std::string& text) {
    auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    return j.is_array() ? j : nlohmann::json::array();
  };
  const bool playable = r.replay_url.has_value();
  const std::string sign = token_query.empty() ? "" : "?" + token_query;
  nlohmann::json j = {
      {"id", r.id},
      {"streamId", r.stream_id},
      {"kind", store::to_string(r.kind)},
      {"status", store::to_string(r.status)},
      {"startedAt", r.started_at},
      {"endedAt", opt(r.ended_at)},
      {"durationMs", r.duration_ms},
      {"bytes", r.bytes},
      {"renditions", parsed(r.renditions)},
      {"gaps", parsed(r.gaps)},
      {"error", opt(r.error)},
      {"title", opt(r.title)},
      {"sourceRecordingId", opt(r.source_recording_id)},
      {"clipStartMs", opt(r.clip_start_ms)},
      {"replayUrl", playable && may_watch
                        ? nlohmann::json(ctx.http_base_url + *r.replay_url + sign)
                        : nlohmann::json(nullptr)},
      {"downloadUrl", playable && may_watch && r.mp4_key
                          ? nlohmann::json(ctx.http_base_url + "/vod/" + r.id + "/recording.mp4" + sign)
                          : nlohmann::json(nullptr)},
  };
  return j;
}

namespace {

Result<ClipInput> clip_input(const net::Request& req) {
  auto body = JsonBody::parse(req, {"startMs", "durationMs", "title", "recordingId"});
  if (!body) return body.error();
  ClipInput in;
  auto start = body->integer("startMs");
  if (!start) return start.error();
  auto duration = body->integer("durationMs");
  if (!duration) return duration.error();
  auto title = body->string("title");
  if (!title) return title.error();
  auto rec = body->string("recordingId");
  if (!rec) return rec.error();
  if (!*start || **start < 0) return make_error("validation_failed", "'startMs' must be 0 or more");
  if (!*duration || **duration < 1000 || **duration > kMaxClipMs)
    return make_error("validation_failed", "'durationMs' must be 1000..300000 (5 minutes)");
  in.start_ms = **start;
  in.duration_ms = **duration;
  in.title = title->value_or("");
  if (in.title.empty() || in.title.size() > 140)
    return make_error("validation_failed", "'title' must be 1..140 characters");
  in.recording_id = *rec;
  return in;
}

}  // namespace

void add_recording_routes(net::Router& router, ApiContext& ctx,
                          platform::RecordingService& recordings, ClipCutter cut_clip) {
  router.add("POST", "/api/livestream/{id}/clips", [&ctx, cut_clip](const net::Request& req) {
    auto caller = required_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    auto input = clip_input(req);
    if (!input) return error_response(input.error());
    auto clip = cut_clip(*caller, req.param("id"), *input);
    if (!clip) return error_response(clip.error());
    std::string token_query;
    if (auto grant = ctx.platform.streams().issue_playback(&*caller, clip->stream_id))
      token_query = "token=" + net::percent_encode(grant->token);
    return net::Response::json(201, recording_json(ctx, *clip, true, token_query).dump())
        .header("cache-control", "no-store");
  });

  router.add("GET", "/api/livestream/{id}/recordings", [&ctx, &recordings](const net::Request& req) {
    auto caller = optional_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    const platform::Identity* who = *caller ? &**caller : nullptr;
    const std::string stream_id = req.param("id");
    auto list = recordings.list(who, stream_id);
    if (!list) return error_response(list.error());
    std::string token_query;
    nlohmann::json expires = nullptr;
    if (list->watch.allowed && !list->items.empty()) {
      // The replay is watched under the stream's own rules: the same playback token as live.
      auto grant = ctx.platform.streams().issue_playback(who, stream_id);
      if (grant) {
        token_query = "token=" + net::percent_encode(grant->token);
        expires = grant->expires_at;
      }
    }
    nlohmann::json items = nlohmann::json::array();
    for (const auto& r : list->items)
      items.push_back(recording_json(ctx, r, list->watch.allowed, token_query));
    nlohmann::json j = {
        {"items", std::move(items)},
        {"tokenExpiresAt", expires},
        {"access", {{"watch", list->watch.allowed},
                    {"reason", list->watch.allowed ? nlohmann::json(nullptr)
                                                   : nlohmann::json(std::string(list->watch.reason))}}}};
    return net::Response::json(200, j.dump()).header("cache-control", "no-store");
  });

  router.add("DELETE", "/api/livestream/{id}/recordings/{rid}",
             [&ctx, &recordings](const net::Request& req) {
               auto caller = required_caller(ctx, req);
               if (!caller) return error_response(caller.error());
               auto found = recordings.find(req.param("rid"));
               if (!found || found->stream_id != req.param("id"))
                 return error_response(make_error("not_found", "no such recording"));
               auto removed = recordings.remove(*caller, req.param("rid"));
               if (!removed) return error_response(removed.error());
               net::Response r;
               r.status = 204;
               return r;
             });
}

}  // namespace stagecast::api
