// /api/livestream: create, list, get, patch, delete, rotate key, end, playback
// (DESIGN.md, API contract).

#include <charconv>
#include <limits>

#include "api/api_context.h"
#include "api/json_body.h"
#include "core/random.h"
#include "net/url.h"
#include "platform/rfc3339.h"
#include "platform/stream_calendar.h"

namespace stagecast::api {

namespace {

Result<platform::StreamInput> stream_input(const net::Request& req, bool recording) {
  auto body = JsonBody::parse(req, {"title", "description", "visibility", "minTier", "priceCents",
                                    "currency", "chat", "transcode", "record", "scheduledAt"});
  if (!body) return body.error();
  platform::StreamInput in;
  auto title = body->string("title");
  if (!title) return title.error();
  in.title = *title;
  auto description = body->string("description");
  if (!description) return description.error();
  in.description = *description;
  auto visibility = body->string("visibility");
  if (!visibility) return visibility.error();
  in.visibility = *visibility;
  auto currency = body->string("currency");
  if (!currency) return currency.error();
  in.currency = *currency;
  auto min_tier = body->integer("minTier");
  if (!min_tier) return min_tier.error();
  if (*min_tier) {
    if (**min_tier < 0 || **min_tier > std::numeric_limits<int>::max()) {
      return make_error("validation_failed", "'minTier' must be 1..100");
    }
    in.min_tier = static_cast<int>(**min_tier);
  }
  auto price = body->integer("priceCents");
  if (!price) return price.error();
  in.price_cents = *price;
  // "record" only where the server records (record.enabled): a setting that did nothing would
  // be a promise not kept.
  auto record = body->boolean("record");
  if (!record) return record.error();
  if (*record && !recording)
    return make_error("validation_failed", "'record': recording is off on this server");
  in.record = *record;
  auto transcode = body->boolean("transcode");
  if (!transcode) return transcode.error();
  in.transcode = *transcode;
  if (body->has("scheduledAt")) {
    if (body->is_null("scheduledAt")) {
      in.scheduled_at = std::optional<int64_t>{};
    } else {
      // An RFC 3339 date-time ("2026-12-05T18:00:00Z"), or unix milliseconds as before.
      const nlohmann::json& v = body->json()["scheduledAt"];
      if (v.is_string()) {
        auto at = platform::parse_rfc3339(v.get<std::string>());
        if (!at) {
          return make_error("validation_failed",
                            "'scheduledAt' must be an RFC 3339 date-time with a time zone, "
                            "e.g. 2026-12-05T18:00:00Z");
        }
        in.scheduled_at = std::optional<int64_t>(*at);
      } else {
        auto at = body->integer("scheduledAt");
        if (!at) return at.error();
        in.scheduled_at = *at;
      }
    }
  }
  auto chat = body->object("chat", {"enabled", "subscribersOnly", "slowModeSeconds", "blockedWords"});
  if (!chat) return chat.error();
  if (*chat) {
    const JsonBody& c = **chat;
    auto enabled = c.boolean("enabled");
    if (!enabled) return enabled.error();
    in.chat.enabled = *enabled;
    auto subs = c.boolean("subscribersOnly");
    if (!subs) return subs.error();
    in.chat.subscribers_only = *subs;
    auto slow = c.integer("slowModeSeconds");
    if (!slow) return slow.error();
    if (*slow) {
      if (**slow < 0 || **slow > 3600) {
        return make_error("validation_failed", "'chat.slowModeSeconds' must be 0..3600");
      }
      in.chat.slow_mode_seconds = static_cast<int>(**slow);
    }
    auto words = c.string_list("blockedWords", platform::kMaxBlockedWords);
    if (!words) return words.error();
    in.chat.blocked_words = *words;
  }
  return in;
}

Result<platform::StreamQuery> stream_query(const net::Request& req) {
  platform::StreamQuery q;
  q.status = req.query_param("status");
  q.artist_id = req.query_param("artistId");
  q.cursor = req.query_param("cursor");
  if (auto limit = req.query_param("limit")) {
    int n = 0;
    auto [ptr, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
    if (ec != std::errc() || ptr != limit->data() + limit->size() || n < 1 || n > 100) {
      return make_error("validation_failed", "'limit' must be 1..100");
    }
    q.limit = n;
  }
  return q;
}

}  // namespace

void add_stream_routes(net::Router& router, ApiContext& ctx) {
  router.add("POST", "/api/livestream", [&ctx](const net::Request& req) {
    auto caller = required_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    auto input = stream_input(req, ctx.recording);
    if (!input) return error_response(input.error());
    auto created = ctx.platform.streams().create(*caller, *input);
    if (!created) return error_response(created.error());
    platform::StreamView view{created->stream, platform::Decision::allow(), true};
    nlohmann::json j = stream_json(ctx, view);
    j["streamKey"] = created->stream_key;  // shown once
    return net::Response::json(201, j.dump())
        .header("location", "/api/livestream/" + created->stream.id)
        .header("cache-control", "no-store");
  });

  router.add("GET", "/api/livestream", [&ctx](const net::Request& req) {
    auto caller = optional_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    auto query = stream_query(req);
    if (!query) return error_response(query.error());
    auto page = ctx.platform.streams().list(*caller ? &**caller : nullptr, *query);
    if (!page) return error_response(page.error());
    nlohmann::json items = nlohmann::json::array();
    for (const auto& v : page->items) items.push_back(stream_json(ctx, v));
    nlohmann::json j = {{"items", std::move(items)},
                        {"nextCursor", page->next_cursor ? nlohmann::json(*page->next_cursor)
                                                         : nlohmann::json(nullptr)}};
    return net::Response::json(200, j.dump());
  });

  // Before /api/livestream/{id}: the first matching route wins.
  router.add("GET", "/api/livestream/upcoming", [&ctx](const net::Request& req) {
    auto caller = optional_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    auto limit = integer_query_param(req, "limit", 20, 1, 100);
    if (!limit) return error_response(limit.error());
    auto items =
        ctx.platform.streams().upcoming(*caller ? &**caller : nullptr, static_cast<int>(*limit));
    if (!items) return error_response(items.error());
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : *items) out.push_back(stream_json(ctx, v));
    return net::Response::json(200, nlohmann::json{{"items", std::move(out)}}.dump());
  });

  router.add("GET", "/api/livestream/{id}/calendar.ics", [&ctx](const net::Request& req) {
    auto caller = optional_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    auto view = ctx.platform.streams().get(*caller ? &**caller : nullptr, req.param("id"));
    if (!view) return error_response(view.error());
    if (view->stream.status != store::StreamStatus::kScheduled || !view->stream.scheduled_at) {
      return error_response(
          make_error("conflict",
                     "only a scheduled stream that has not started has a calendar "
                     "entry"));
    }
    platform::CalendarEvent e;
    const std::string& base = ctx.http_base_url;
    const size_t host_at = base.find("://");
    e.uid_domain = host_at == std::string::npos ? base : base.substr(host_at + 3);
    e.uid_domain = e.uid_domain.substr(0, e.uid_domain.find_first_of(":/"));
    e.artist_name = ctx.platform.streams().artist_name(view->stream.artist_id);
    e.watch_url = base + "/watch/" + view->stream.id;
    e.now_ms = ctx.clock != nullptr ? ctx.clock->unix_millis() : view->stream.updated_at;
    net::Response r;
    r.status = 200;
    r.body = platform::stream_ics(view->stream, e);
    r.header("content-type", "text/calendar; charset=utf-8");
    r.header("content-disposition", "attachment; filename=\"stream-" + view->stream.id + ".ics\"");
    r.header("cache-control", "no-cache");
    return r;
  });

  router.add("GET", "/api/livestream/{id}", [&ctx](const net::Request& req) {
    auto caller = optional_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    auto view = ctx.platform.streams().get(*caller ? &**caller : nullptr, req.param("id"));
    if (!view) return error_response(view.error());
    // The Viewer names the artist (Notify me, the page's heading).
    view->artist_name = ctx.platform.streams().artist_name(view->stream.artist_id);
    return net::Response::json(200, stream_json(ctx, *view).dump());
  });

  router.add("PATCH", "/api/livestream/{id}", [&ctx](const net::Request& req) {
    auto caller = required_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    auto input = stream_input(req, ctx.recording);
    if (!input) return error_response(input.error());
    auto updated = ctx.platform.streams().patch(*caller, req.param("id"), *input);
    if (!updated) return error_response(updated.error());
    platform::StreamView view{*updated, platform::Decision::allow(), true};
    return net::Response::json(200, stream_json(ctx, view).dump());
  });

  router.add("DELETE", "/api/livestream/{id}", [&ctx](const net::Request& req) {
    auto caller = required_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    auto removed = ctx.platform.streams().remove(*caller, req.param("id"));
    if (!removed) return error_response(removed.error());
    net::Response r;
    r.status = 204;
    return r;
  });

  router.add("POST", "/api/livestream/{id}/key", [&ctx](const net::Request& req) {
    auto caller = required_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    auto key = ctx.platform.streams().rotate_key(*caller, req.param("id"));
    if (!key) return error_response(key.error());
    nlohmann::json j = {{"streamKey", *key}, {"rtmpUrl", ctx.rtmp_base_url}};
    return net::Response::json(200, j.dump()).header("cache-control", "no-store");
  });

  router.add("POST", "/api/livestream/{id}/end", [&ctx](const net::Request& req) {
    auto caller = required_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    auto ended = ctx.platform.streams().end(*caller, req.param("id"));
    if (!ended) return error_response(ended.error());
    platform::StreamView view{*ended, platform::Decision::allow(), true};
    return net::Response::json(200, stream_json(ctx, view).dump());
  });

  router.add("POST", "/api/livestream/{id}/playback", [&ctx](const net::Request& req) {
    auto caller = optional_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    auto grant = ctx.platform.streams().issue_playback(*caller ? &**caller : nullptr,
                                                       req.param("id"));
    if (!grant) return error_response(grant.error());
    std::string url = ctx.http_base_url + "/hls/" + grant->stream_id +
                      "/master.m3u8?token=" + net::percent_encode(grant->token);
    // A playback session id, carried into every playlist URI like the token (docs/analytics.md).
    if (ctx.analytics && ctx.analytics->options().hls_sessions) url += "&sid=" + random_token(16);
    nlohmann::json j = {{"url", url},
                        {"token", grant->token},
                        {"expiresAt", grant->expires_at}};
    if (!ctx.whep_base_url.empty()) {
      j["whepUrl"] = ctx.whep_base_url + "/" + grant->stream_id +
                     "?token=" + net::percent_encode(grant->token);
      j["preferRealtime"] = ctx.realtime_default;
    }
    return net::Response::json(200, j.dump()).header("cache-control", "no-store");
  });
}

}  // namespace stagecast::api
