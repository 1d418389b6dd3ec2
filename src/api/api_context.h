#pragma once
// What the REST handlers need from the rest of the server, and the helpers every handler uses:
// who is calling, and how records look in JSON.

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "core/worker_pool.h"
#include "media/thumbnail_store.h"
#include "net/http_message.h"
#include "net/router.h"
#include "platform/analytics_service.h"
#include "platform/identity.h"
#include "platform/login_throttle.h"
#include "platform/platform_services.h"

namespace stagecast::api {

struct ApiContext {
  platform::PlatformServices& platform;
  std::string admin_api_key;  // the admin API answers 404 while empty (off)
  std::string http_base_url;  // e.g. http://127.0.0.1:8080 (no trailing slash)
  std::string rtmp_base_url;  // e.g. rtmp://127.0.0.1:1935/live
  // Login and registration: throttled before any hash, and hashed on their own small bounded pool,
  // so a flood of them gets 429/503 at once and never takes the threads other calls need.
  platform::LoginThrottle* login_throttle = nullptr;
  WorkerPool* password_pool = nullptr;
  const Clock* clock = nullptr;
  std::string whip_base_url;  // e.g. http://127.0.0.1:8080/whip; empty while WHIP ingest is off
  // Recording is on for this server (record.enabled): streams take and show their own `record`.
  bool recording = false;
  std::string whep_base_url;  // e.g. http://127.0.0.1:8080/whep; empty while WHEP playback is off
  // The Viewer starts in Real-time (WHEP) when the server offers it (webrtc.viewer_default).
  bool realtime_default = true;
  // Live thumbnails (docs/web.md); null when off.
  const media::ThumbnailStore* thumbnails = nullptr;
  // Viewers of a stream on this node now (the realtime gateway); set once it exists.
  std::function<int64_t(const std::string&)> viewer_count;
  // Analytics (docs/analytics.md): playback URLs get a session id while it counts HLS sessions.
  platform::AnalyticsService* analytics = nullptr;
};

// The caller: nullopt for a request without a bearer token; an error (401) for a bad token.
Result<std::optional<platform::Identity>> optional_caller(ApiContext& ctx, const net::Request& req);
// The caller, or 401 login_required.
Result<platform::Identity> required_caller(ApiContext& ctx, const net::Request& req);

nlohmann::json user_json(const platform::Identity& user);
nlohmann::json payouts_json(const platform::Identity& user);
// Public fields of a stream; `manager` adds what only the owner or an admin may see.
nlohmann::json stream_json(const ApiContext& ctx, const platform::StreamView& view);

// The admin API's gate (X-Api-Key, constant-time): 404 while it is off, 401 without the key,
// nullopt to go on.
std::optional<net::Response> admin_gate(const ApiContext& ctx, const net::Request& req);

void add_auth_routes(net::Router& router, ApiContext& ctx);
void add_admin_routes(net::Router& router, ApiContext& ctx);
void add_stream_routes(net::Router& router, ApiContext& ctx);
// GET /api/livestream/{id}/analytics (+ .csv, /viewers); nothing while ctx.analytics is null.
void add_analytics_routes(net::Router& router, ApiContext& ctx);

}  // namespace stagecast::api
