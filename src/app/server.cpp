#include "app/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "api/api_context.h"
#include "api/artist_routes.h"
#include "api/hls_routes.h"
#include "api/notification_routes.h"
#include "api/operator_routes.h"
#include "api/stream_health_routes.h"
#include "api/thumbnail_routes.h"
#include "api/unsubscribe_routes.h"
#include "api/web_routes.h"
#include "app/cluster_node.h"
#include "app/generated_secret.h"
#include "app/media_wiring.h"
#include "app/node_identity.h"
#include "app/notify_wiring.h"
#include "app/payments_wiring.h"
#include "app/push_routes.h"
#include "app/realtime_wiring.h"
#include "app/recording_wiring.h"
#include "app/thumbnail_archive.h"

extern char** environ;  // the process environment (POSIX): AWS_* credentials for S3
#include "app/tip_broadcast.h"
#include "app/webrtc_wiring.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "core/random.h"
#include "core/worker_pool.h"
#include "hls/rendition_store.h"
#include "ingest/live_stream_registry.h"
#include "ingest/rtmp/rtmp_server.h"
#include "net/http_forward.h"
#include "net/http_server.h"
#include "net/io_pool.h"
#include "net/router.h"
#include "platform/analytics_service.h"
#include "platform/device_class.h"
#include "platform/jws_public_key.h"
#include "platform/platform_services.h"
#include "store/store.h"

namespace stagecast::app {

struct Server::Parts {
  explicit Parts(Config c) : config(std::move(c)) {}
  Config config;
  MetricsRegistry metrics;
  SystemClock clock;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<platform::PlatformServices> platform;
  std::unique_ptr<platform::AnalyticsService> analytics;
  std::atomic<bool> analytics_running{false};
  std::unique_ptr<NotifyWiring> notify;
  std::unique_ptr<api::ApiContext> api;
  std::unique_ptr<RealtimeWiring> realtime;
  std::unique_ptr<ClusterNode> cluster;  // bus.url set: several nodes
  std::unique_ptr<TipBroadcast> tip_broadcast;
  std::unique_ptr<PaymentsWiring> payments;
  std::unique_ptr<hls::RenditionStore> hls;
  // Live pictures (thumbnails.enabled); before `media`, whose thumbnail pool writes into it until
  // it is destroyed.
  stagecast::media::ThumbnailStore thumbnails;
  std::unique_ptr<MediaWiring> media;
  std::unique_ptr<RecordingWiring> recording;  // record.enabled
  std::unique_ptr<ingest::LiveStreamRegistry> registry;
  std::unique_ptr<ingest::rtmp::RtmpServer> rtmp;
  std::unique_ptr<WebrtcWiring> webrtc;  // WHIP ingest; null when webrtc.enabled is off
  std::unique_ptr<boost::asio::steady_timer> hls_tick;
  std::unique_ptr<net::IoPool> io;
  // HTTPS, WSS and RTMPS share it (tls.cert_file); null without TLS. Reloaded on SIGHUP.
  std::shared_ptr<net::TlsCredentials> tls;
  std::unique_ptr<WorkerPool> workers;
  std::unique_ptr<WorkerPool> password_pool;
  std::unique_ptr<platform::LoginThrottle> login_throttle;
  net::Router router;
  std::unique_ptr<net::HttpServer> http;
  std::atomic<bool> ready{false};
  std::atomic<bool> db_available{true};  // the last probe of the store (readiness)
  std::atomic<bool> db_probe_running{false};
  bool stopped = false;
};

namespace {

size_t io_threads(const Config& c) {
  if (c.threads_io > 0) return static_cast<size_t>(c.threads_io);
  return std::max(1u, std::thread::hardware_concurrency());
}

void add_operator_routes(Server::Parts& p) {
  p.router.add(
      "GET", "/healthz",
      [](const net::Request&) { return net::Response::json(200, R"({"status":"ok"})"); },
      net::Dispatch::Inline);
  p.router.add(
      "GET", "/readyz",
      [&p](const net::Request&) {
        if (!p.ready) return net::Response::error(503, "not_ready", "starting or stopping");
        if (!p.db_available)
          return net::Response::error(503, "not_ready",
                                      "the database is unavailable (locked or unreachable)");
        // Redis down is degraded, not unready: this node serves its own members meanwhile.
        // Every link to it counts: the room bus's two and the cluster's (leases, counts).
        if ((p.realtime && p.realtime->redis_bus && p.realtime->redis_bus->degraded()) ||
            (p.cluster && !p.cluster->connected()))
          return net::Response::json(200, R"({"status":"ready","bus":"degraded"})");
        return net::Response::json(200, R"({"status":"ready"})");
      },
      net::Dispatch::Inline);
  p.router.add(
      "GET", "/metrics",
      [&p](const net::Request&) {
        return net::Response::text(200, p.metrics.render(), "text/plain; version=0.0.4");
      },
      net::Dispatch::Inline);
}

template <typename T>
T must(Result<T> r, std::string_view what) {
  if (!r) throw std::runtime_error(fmt::format("{}: {}", what, r.error().message));
  return std::move(*r);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Platform public keys: each PEM file is RSA (RS256) or P-256 (ES256); the key decides.
std::vector<platform::JwtKey> platform_keys(const Config& c) {
  std::vector<platform::JwtKey> keys;
  for (const std::string& file : c.auth_platform_public_keys) {
    const std::string pem = read_file(file);
    platform::JwtKey key;
    key.material = pem;
    key.issuer = c.auth_platform_issuer;
    key.source = platform::TokenSource::Platform;
    if (platform::JwsPublicKey::from_pem(pem, platform::JwsKeyType::Rsa)) {
      key.algorithm = platform::JwtAlgorithm::RS256;
    } else if (platform::JwsPublicKey::from_pem(pem, platform::JwsKeyType::EcP256)) {
      key.algorithm = platform::JwtAlgorithm::ES256;
    } else {
      throw std::runtime_error(file + ": not an RSA (>= 2048 bits) or P-256 public key in PEM");
    }
    keys.push_back(std::move(key));
  }
  return keys;
}

// cluster.hls_mode = proxy: HLS of a stream another node ingests is fetched from that node and
// relayed (docs/operations.md, "Multi-node"); a node that cannot be reached answers 502.
static api::HlsForward hls_forward(Server::Parts& p) {
  if (p.config.cluster_hls_mode != "proxy") return {};
  Counter* proxied = &p.metrics.counter("stagecast_hls_proxied_total",
                                        "HLS requests relayed from the node holding the stream");
  return [&p, proxied](const std::string& base, const net::Request& req, net::Respond respond) {
    auto origin = net::parse_origin(base);
    if (!origin) {
      respond(net::Response::error(502, "upstream_invalid", origin.error().message));
      return;
    }
    proxied->inc();
    net::forward_get(p.io->next().get_executor(), *origin, req.target,
                     std::string(req.header("user-agent")), [respond](Result<net::Response> r) {
                       if (!r) {
                         const int status = r.error().code == "upstream_timeout" ? 504 : 502;
                         respond(net::Response::error(status, r.error().code, r.error().message));
                         return;
                       }
                       r->headers["access-control-allow-origin"] = "*";
                       respond(std::move(*r));
                     });
  };
}

void open_media(Server::Parts& p) {
  const Config& c = p.config;
  p.hls = std::make_unique<hls::RenditionStore>(p.clock);
  MediaWiringOptions mo;
  mo.segment_target = std::chrono::milliseconds(c.hls_segment_ms);
  mo.part_target = std::chrono::milliseconds(c.hls_part_ms);
  mo.window_segments = static_cast<size_t>(c.hls_window_segments);
  mo.part_hold_back_percent = static_cast<int>(c.hls_part_hold_back_percent);
  mo.delta_updates = c.hls_delta_updates;
  mo.transcode = c.transcode_enabled;
  mo.transcode_ladder = transcode::parse_ladder(c.transcode_ladder).value();  // validated
  mo.transcode_threads = static_cast<size_t>(c.transcode_threads);
  mo.transcode_preset = c.transcode_preset;
  mo.anonymous_public = c.auth_allow_anonymous_viewers;
  mo.thumbnails = c.thumbnails_enabled;
  mo.thumbnail_interval = std::chrono::seconds(c.thumbnails_interval_seconds);
  mo.thumbnail_width = static_cast<int>(c.thumbnails_width);
  mo.thumbnail_quality = static_cast<int>(c.thumbnails_quality);
  mo.thumbnail_dir = (std::filesystem::path(c.data_dir) / "thumbnails").string();
  p.media = std::make_unique<MediaWiring>(*p.platform, *p.workers, *p.hls, p.metrics, p.clock, mo);
  p.media->set_thumbnail_store(&p.thumbnails);
  if (c.thumbnails_enabled) {
    const size_t loaded = load_thumbnails(mo.thumbnail_dir, p.thumbnails, mo.thumbnails_kept);
    if (loaded > 0) spdlog::info("thumbnails: {} pictures of ended streams kept", loaded);
  }
  // Recordings already made stay listed, replayable and deletable (and an earlier run's are
  // finished) even with recording off; new streams are recorded only with record.enabled.
  if (c.record_enabled || c.record_store == "local" || !c.record_s3_bucket.empty()) {
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
    p.recording = std::make_unique<RecordingWiring>(c, *p.platform, *p.store, *p.workers, p.metrics,
                                                    p.clock, env);
    p.recording->set_revocations(&p.media->revocations());
    if (c.record_enabled) {
      p.hls->set_observer(&p.recording->recorder());
      p.media->set_recorder(&p.recording->recorder());
    }
  }
  ingest::LiveStreamOptions lo;
  lo.grace_period = std::chrono::seconds(c.streams_reconnect_grace_seconds);
  lo.max_duration = std::chrono::seconds(c.streams_max_duration_seconds);
  p.registry = std::make_unique<ingest::LiveStreamRegistry>(p.io->at(0).get_executor(), *p.media,
                                                            p.metrics, p.clock, lo);
  p.media->set_registry(p.registry.get());
  p.platform->streams().add_listener(*p.media);
  ingest::rtmp::RtmpServerOptions ro;
  ro.host = c.rtmp_host;
  ro.port = static_cast<uint16_t>(c.rtmp_port);
  ro.max_message_size = static_cast<uint32_t>(c.rtmp_max_message_bytes);
  ro.max_connections = static_cast<size_t>(c.rtmp_max_connections);
  ro.max_pending_per_address = static_cast<size_t>(c.rtmp_max_pending_per_address);
  ro.max_pending = static_cast<size_t>(c.rtmp_max_pending);
  ro.handshake_timeout = std::chrono::milliseconds(c.rtmp_handshake_timeout_ms);
  ro.publish_timeout = std::chrono::milliseconds(c.rtmp_publish_timeout_ms);
  ro.tls = p.tls;
  ro.tls_port = static_cast<uint16_t>(c.rtmp_tls_port);
  p.rtmp = std::make_unique<ingest::rtmp::RtmpServer>(p.io->contexts(), ro, *p.media, *p.registry,
                                                      p.metrics);
  api::HlsRequestObserver observer;
  if (c.analytics_hls_sessions) {
    // docs/analytics.md: a request with a session id keeps its playback session alive. The
    // token (already checked) names a signed-in viewer; it is read once per session.
    observer = [&p](const std::string& id, const std::string& rendition, const net::Request& req) {
      const auto sid = req.query.find("sid");
      if (sid == req.query.end()) return;
      p.analytics->sessions().touch(id, sid->second, rendition, p.clock.unix_millis(), [&] {
        platform::HlsSessionIdentity who;
        if (const auto token = req.query.find("token"); token != req.query.end()) {
          auto grant = p.platform->playback().verify(token->second, id);
          if (grant && grant->viewer_id != platform::kAnonymousViewer)
            who.user_id = grant->viewer_id;
        }
        who.device = std::string(platform::device_class(req.header("user-agent")));
        return who;
      });
    };
  }
  api::add_hls_routes(
      p.router, *p.hls,
      [media = p.media.get()](const std::string& id, const net::Request& req) {
        return media->may_play(id, req);
      },
      std::move(observer),
      [&p](const std::string& id) -> std::optional<std::string> {
        // Set before the I/O threads start; a stream ingested here is served here.
        if (!p.cluster || p.registry->is_live(id)) return std::nullopt;
        return p.cluster->owner_url(id);
      },
      hls_forward(p));
}

// Analytics (docs/analytics.md): sessions swept and figures written once a second, on a worker.
void tick_analytics(Server::Parts& p) {
  if (p.analytics_running.exchange(true)) return;  // the last tick is still writing
  const bool posted = p.workers->post([&p] {
    p.analytics->tick();
    p.analytics_running = false;
  });
  if (!posted) p.analytics_running = false;
}

// Blocking HLS requests and retired streams time out on this tick (the store has no timers).
// What the HLS store holds, for operators (memory per stream is mostly this).
void publish_hls_stats(Server::Parts& p) {
  const auto s = p.hls->stats();
  p.metrics
      .gauge("stagecast_hls_bytes",
             "Media bytes held for HLS delivery (segments, parts, headers, playlists)")
      .set(static_cast<int64_t>(s.bytes));
  p.metrics.gauge("stagecast_hls_renditions", "Renditions being served")
      .set(static_cast<int64_t>(s.renditions));
  p.metrics.gauge("stagecast_hls_segments", "HLS segments held")
      .set(static_cast<int64_t>(s.segments));
  p.metrics.gauge("stagecast_hls_parts", "LL-HLS parts held").set(static_cast<int64_t>(s.parts));
  p.metrics.gauge("stagecast_hls_waiting_requests", "Blocking playlist and part requests held")
      .set(static_cast<int64_t>(s.waiters));
  // The store counts; each counter is brought up to its figure (they only grow).
  auto catch_up = [](Counter& c, uint64_t total) {
    if (total > c.value()) c.inc(total - c.value());
  };
  catch_up(p.metrics.counter("stagecast_hls_delta_requests_total",
                             "Media playlist requests asking for a delta update (_HLS_skip)"),
           s.delta_requests);
  catch_up(p.metrics.counter("stagecast_hls_delta_updates_total",
                             "Playlist Delta Updates served (EXT-X-SKIP); the rest of the "
                             "requests asking for one got the full playlist"),
           s.delta_updates);
}

// Readiness follows the database: once a second a worker checks that a write could be made
// (Store::ping), within the store's timeout. /readyz reads the answer and never waits for it.
void probe_store(Server::Parts& p) {
  if (p.db_probe_running.exchange(true)) return;  // the last probe is still waiting
  const bool posted = p.workers->post([&p] {
    const auto r = p.store->ping();
    const bool ok = r.ok();
    if (p.db_available.exchange(ok) != ok) {
      if (ok)
        spdlog::info("store: the database is available again; ready");
      else
        spdlog::warn("store: the database is unavailable ({}); /readyz answers 503",
                     r.error().message);
    }
    p.metrics.gauge("stagecast_store_available", "1 while the database accepts writes, else 0")
        .set(ok ? 1 : 0);
    p.db_probe_running = false;
  });
  if (!posted) p.db_probe_running = false;
}

void schedule_hls_tick(Server::Parts& p, int tick = 0) {
  p.hls_tick->expires_after(std::chrono::milliseconds(100));
  p.hls_tick->async_wait([&p, tick](boost::system::error_code ec) {
    if (ec) return;
    p.hls->expire_waiters();
    if (tick % 10 == 0) {  // once a second
      publish_hls_stats(p);
      probe_store(p);
      tick_analytics(p);
      if (p.recording) p.recording->tick();
    }
    schedule_hls_tick(p, tick + 1);
  });
}

void open_platform(Server::Parts& p) {
  const Config& c = p.config;
  const std::string url = store_url_of(c);
  store::StoreOptions store_options;
  store_options.clock = &p.clock;
  store_options.busy_timeout_ms = static_cast<int>(c.store_timeout_ms);
  store_options.read_connections = static_cast<int>(c.store_read_connections);
  p.store = must(store::open_store(url, store_options), "opening the store");

  platform::PlatformConfig pc;
  pc.jwt_secret =
      must(secret_or_generated(c.auth_jwt_secret, c.data_dir, "jwt_secret", c.production),
           "auth.jwt_secret");
  pc.jwt_issuer = c.auth_jwt_issuer;
  pc.jwt_lifetime = std::chrono::seconds(c.auth_token_ttl_seconds);
  pc.jwt_audience = c.auth_platform_audience;
  pc.platform_keys = platform_keys(c);
  pc.argon2 = platform::Argon2Limits{static_cast<uint64_t>(c.auth_argon2_ops_limit),
                                     static_cast<size_t>(c.auth_argon2_mem_limit_kib) * 1024};
  pc.playback_secret =
      must(secret_or_generated(c.auth_playback_secret, c.data_dir, "playback_secret", c.production),
           "auth.playback_secret");
  pc.playback_lifetime = std::chrono::seconds(c.auth_playback_ttl_seconds);
  pc.allow_anonymous_viewers = c.auth_allow_anonymous_viewers;
  pc.artist_auto_grant =
      c.accounts_artist_approval.empty() ? !c.production : c.accounts_artist_approval == "auto";
  pc.operators.email = c.accounts_operator_email;
  pc.operators.first_account = c.accounts_first_account_operator == "on" ||
                               (c.accounts_first_account_operator == "auto" && !c.production);
  p.platform = must(platform::PlatformServices::create(pc, *p.store, p.clock), "platform");

  platform::AnalyticsOptions ao;
  ao.hls_sessions = c.analytics_hls_sessions;
  ao.sessions.silence_ms = c.analytics_session_silence_ms;
  ao.sessions.max_sessions = static_cast<size_t>(c.analytics_max_sessions);
  ao.bucket_ms = c.analytics_bucket_ms;
  p.analytics = std::make_unique<platform::AnalyticsService>(*p.store, p.clock, ao);
  // Before end_interrupted_streams: what a killed run left LIVE gets its summary.
  p.platform->streams().add_listener(*p.analytics);
}

// One node owns every stream (the bus is in process): a stream still LIVE in the store when the
// server starts was cut off by a crash or a kill of the previous run, and no publisher is attached
// to it. It is ended, so that fans see an ended stream rather than a LIVE page with nothing to
// play. With several nodes (bus.url) ClusterNode::end_lapsed_at_start does this instead, for the
// streams whose lease lapsed only (docs/operations.md, "Multi-node").
void end_interrupted_streams(Server::Parts& p) {
  auto live = p.store->streams().list_live();
  if (!live) {
    spdlog::warn("listing streams left LIVE failed: {}", live.error().message);
    return;
  }
  for (const auto& s : *live) {
    if (auto r = p.platform->streams().mark_ended(s.id, "interrupted"); !r) {
      spdlog::warn("stream {}: ending it after an interrupted run failed: {}", s.id,
                   r.error().message);
    }
  }
}

}  // namespace

Server::Server(Config config) : parts_(std::make_unique<Parts>(std::move(config))) {
  Parts& p = *parts_;
  std::filesystem::create_directories(p.config.data_dir);
  if (p.config.node_id.empty()) {
    auto id = stored_node_id(p.config.data_dir);
    if (!id) throw std::runtime_error("node id: " + id.error().message);
    p.config.node_id = std::move(id).value();
  }
  if (!p.config.tls_cert_file.empty()) {
    auto loaded = net::TlsCredentials::load({p.config.tls_cert_file, p.config.tls_key_file});
    if (!loaded) throw std::runtime_error(loaded.error().message);
    p.tls = std::move(loaded).value();
    const auto info = p.tls->info();
    spdlog::info("tls: certificate {} (expires {}, sha256 {})", info.subject, info.not_after,
                 info.sha256_fingerprint);
  }
  p.io = std::make_unique<net::IoPool>(io_threads(p.config));
  p.workers =
      std::make_unique<WorkerPool>("workers", static_cast<size_t>(p.config.threads_workers));
  add_operator_routes(p);
  open_platform(p);
  p.payments = wire_payments(p.config, *p.platform, *p.store, p.clock);
  p.notify = wire_notify(p.config, *p.platform, *p.store, p.clock,
                         must(secret_or_generated(p.config.auth_jwt_secret, p.config.data_dir,
                                                  "jwt_secret", p.config.production),
                              "auth.jwt_secret"));
  open_media(p);

  net::HttpServerOptions http;
  http.host = p.config.http_host;
  http.port = static_cast<uint16_t>(p.config.http_port);
  http.body_limit = static_cast<size_t>(p.config.http_body_limit_bytes);
  http.header_timeout = std::chrono::milliseconds(p.config.http_header_timeout_ms);
  http.idle_timeout = std::chrono::milliseconds(p.config.http_idle_timeout_ms);
  http.access_log = p.config.http_access_log;
  http.tls = p.tls;
  http.tls_port = static_cast<uint16_t>(p.config.http_tls_port);
  http.tls_handshake_timeout = std::chrono::milliseconds(p.config.tls_handshake_timeout_ms);
  http.tls_max_handshakes_per_address =
      static_cast<size_t>(p.config.tls_max_handshakes_per_address);
  http.h2c = p.config.http_h2c;
  http.http2 = p.config.http_h2;
  http.h2_max_concurrent_streams = static_cast<uint32_t>(p.config.http_h2_max_concurrent_streams);
  p.http = std::make_unique<net::HttpServer>(*p.io, *p.workers, p.router, p.metrics, http);
}

// Routes that print URLs need the bound ports, so they are added once the listeners are up.
static void add_api_routes(Server::Parts& p, uint16_t http_port, uint16_t rtmp_port) {
  const Config& c = p.config;
  // With TLS the links the server gives out are HTTPS (browsers need a secure origin to go live).
  const std::string http_base = !c.public_url.empty() ? c.public_url
                                : p.tls
                                    ? fmt::format("https://{}:{}", c.http_host, p.http->tls_port())
                                    : fmt::format("http://{}:{}", c.http_host, http_port);
  const std::string rtmp_base = !c.rtmp_public_url.empty()
                                    ? c.rtmp_public_url
                                    : fmt::format("rtmp://{}:{}/live", c.rtmp_host, rtmp_port);
  p.password_pool =
      std::make_unique<WorkerPool>("password", static_cast<size_t>(c.auth_password_threads),
                                   static_cast<size_t>(c.auth_password_queue));
  platform::LoginThrottleOptions lo;
  lo.free_failures = static_cast<int>(c.auth_login_free_failures);
  lo.attempts_per_minute = static_cast<double>(c.auth_attempts_per_minute);
  lo.attempts_burst = static_cast<double>(c.auth_attempts_burst);
  p.login_throttle = std::make_unique<platform::LoginThrottle>(lo);
  p.api = std::make_unique<api::ApiContext>(api::ApiContext{
      *p.platform, c.auth_admin_api_key, http_base, rtmp_base, p.login_throttle.get(),
      p.password_pool.get(), &p.clock, p.webrtc ? http_base + "/whip" : std::string(),
      c.record_enabled, p.webrtc && p.webrtc->whep ? http_base + "/whep" : std::string()});
  p.api->analytics = p.analytics.get();
  p.api->realtime_default = c.webrtc_viewer_default == "realtime";
  api::add_auth_routes(p.router, *p.api);
  api::add_admin_routes(p.router, *p.api);
  api::add_operator_routes(p.router, *p.api);
  if (c.thumbnails_enabled) p.api->thumbnails = &p.thumbnails;
  api::add_thumbnail_routes(p.router, *p.api);
  api::add_artist_routes(p.router, *p.api);
  api::add_stream_routes(p.router, *p.api);
  api::add_analytics_routes(p.router, *p.api);
  api::add_notification_routes(p.router, *p.api, *p.notify->service);
  api::add_unsubscribe_routes(p.router, *p.notify->service, *p.notify->unsubscribe);
  add_push_routes(p.router, *p.api, *p.notify, c);
  add_payment_routes(*p.payments, p.router, *p.api, c);
  if (p.recording) p.recording->add_routes(p.router, *p.api);
  api::add_stream_health_routes(
      p.router, *p.api,
      [registry = p.registry.get()](const std::string& id) { return registry->stats(id); });
  // Stripe.js (and the CSP entries it needs) only when the browser will confirm Stripe payments.
  const bool stripe_js =
      c.payments_provider == "stripe" && !c.payments_stripe_publishable_key.empty();
  api::WebPagesOptions web{http_base, stripe_js, {}};
  web.watch_meta = [&p, http_base](const std::string& id) -> std::optional<api::WatchMeta> {
    auto view = p.platform->streams().get(nullptr, id);
    if (!view) return std::nullopt;
    api::WatchMeta m;
    m.title = view->stream.title;
    m.description = view->stream.description;
    m.live = view->stream.status == store::StreamStatus::kLive;
    // The picture only where anyone may see it (a crawler is anonymous).
    if (view->watch.allowed && view->stream.visibility == store::Visibility::kPublic &&
        p.api->thumbnails) {
      if (auto pic = p.api->thumbnails->get(id)) {
        m.image_url = http_base + "/api/livestream/" + id +
                      "/thumbnail.jpg?v=" + std::to_string(pic->captured_at_ms);
        m.image_width = pic->width;
        m.image_height = pic->height;
      }
    }
    return m;
  };
  api::add_web_routes(p.router, std::move(web));
}

Server::~Server() {
  stop();
  // What owns I/O objects (timers, acceptors) goes before the IoPool whose io_contexts serve
  // them; the declaration order of Parts alone would destroy the IoPool first. The I/O threads
  // and the workers are stopped: nothing runs concurrently with this.
  Parts& p = *parts_;
  p.tip_broadcast.reset();
  p.realtime.reset();
  // The packagers are gone; the rendition store must not call a recorder that is.
  p.hls->set_observer(nullptr);
  p.recording.reset();
  p.hls_tick.reset();
  p.rtmp.reset();
  p.webrtc.reset();
  p.http.reset();
}

// WHEP admits by the HLS rule; its token comes in the query, as for HLS, or as a bearer token
// (the WHEP draft's way, and how a session is renewed).
static api::WhepAccessCheck whep_access(const MediaWiring& media) {
  return
      [&media](const std::string& id, const net::Request& req) -> std::optional<whep::WhepViewer> {
        std::optional<std::string> token = req.query_param("token");
        if (!token && !req.header("authorization").empty()) token = req.bearer_token();
        auto access = media.playback_access(id, token);
        if (!access) return std::nullopt;
        whep::WhepViewer viewer;
        viewer.user_id = access->viewer_id;
        viewer.device = std::string(platform::device_class(req.header("user-agent")));
        viewer.expires_at_ms = access->expires_at * 1000;
        return viewer;
      };
}

// WHEP viewers follow the stream's source or one of its rungs (only the rungs when the source
// has B-frames).
static whep::LiveHubLookup whep_ladder(Server::Parts& p) {
  return [&p](const std::string& id) -> Result<whep::RealtimeLadder> {
    if (!p.registry->is_live(id))
      return make_error("not_live", "the stream is not being published");
    auto ladder = p.media->realtime_ladder(id, p.registry->hub(id));
    if (ladder.empty()) {
      return make_error("no_realtime_rendition",
                        "the stream has B-frames, which WebRTC cannot carry, and no transcoded "
                        "rendition without them: watch it over LL-HLS");
    }
    return ladder;
  };
}

// A WHEP viewer counts as a playback session like an HLS one (docs/analytics.md), its rendition
// "webrtc".
static whep::WhepWatching whep_watching(Server::Parts& p) {
  if (!p.config.analytics_hls_sessions) return {};
  return [&p](const std::string& stream_id, const std::string& sid, const whep::WhepViewer& v) {
    p.analytics->sessions().touch(stream_id, sid, "webrtc", p.clock.unix_millis(), [&] {
      return platform::HlsSessionIdentity{v.user_id, v.device};
    });
  };
}

void Server::start(const std::string& ports_file) {
  Parts& p = *parts_;
  if (!p.config.bus_url.empty()) {
    ClusterOptions co;
    co.node_id = p.config.node_id;
    co.public_url = p.config.node_public_url;
    co.lease_ttl = std::chrono::milliseconds(p.config.cluster_lease_ttl_ms);
    co.lease_renew = std::chrono::milliseconds(p.config.cluster_lease_renew_ms);
    p.cluster = std::make_unique<ClusterNode>(
        co, redis_options(p.config), p.platform->streams(), *p.store, p.metrics,
        [registry = p.registry.get()] { return registry->live_stream_ids(); });
    // Several nodes: only the LIVE streams whose node is gone (docs/operations.md).
    p.cluster->end_lapsed_at_start();
  } else {
    end_interrupted_streams(p);  // before any publisher can connect
  }
  if (p.recording) p.recording->recover();  // what an earlier run left unfinished
  p.http->start();
  if (auto r = p.rtmp->start(); !r) throw std::runtime_error(r.error().message);
  if (p.config.webrtc_enabled) {
    p.webrtc = wire_webrtc(p.config, *p.io, *p.media, *p.registry, p.metrics, p.router,
                           whep_access(*p.media), whep_ladder(p), whep_watching(p));
  }
  add_api_routes(p, http_port(), rtmp_port());
  p.realtime = wire_realtime(p.config, *p.io, *p.workers, p.router, *p.http, *p.api, *p.platform,
                             *p.store, p.metrics, p.clock);
  p.realtime->moderation->add_listener(p.media->revocations());
  p.api->viewer_count = [gateway = p.realtime->gateway.get()](const std::string& id) {
    return gateway->viewer_count(id);
  };
  if (p.cluster) {
    // The rooms' counts, and the people watching (HLS) the streams ingested here without a room.
    p.cluster->set_local_counts([&p] {
      auto counts = p.realtime->gateway->local_viewer_counts();
      for (const auto& id : p.registry->live_stream_ids()) {
        const bool has_room =
            std::any_of(counts.begin(), counts.end(), [&](const auto& c) { return c.first == id; });
        if (has_room) continue;
        if (auto watching = p.analytics->viewers_now(id)) counts.emplace_back(id, *watching);
      }
      return counts;
    });
    p.realtime->gateway->set_artist_streams([cluster = p.cluster.get()](const std::string& artist) {
      return cluster->live_streams_of(artist);
    });
    p.realtime->gateway->set_remote_viewers(
        [cluster = p.cluster.get()](const std::string& id) { return cluster->remote_viewers(id); });
    p.platform->streams().add_listener(*p.cluster);
    p.cluster->start();
  }
  p.tip_broadcast = std::make_unique<TipBroadcast>(*p.realtime->bus);
  p.payments->tips->add_listener(*p.tip_broadcast);
  p.payments->tips->add_listener(*p.analytics);
  // A refunded ticket ends the fan's playback tokens and takes them out of the stream's room.
  p.payments->tickets->add_listener(p.media->revocations());
  p.payments->tickets->add_listener(*p.realtime->gateway);
  p.notify->notifier->add_listener(*p.realtime->gateway);
  p.notify->start(p.config, p.api->http_base_url, *p.store, p.clock, p.metrics);
  p.hls_tick = std::make_unique<boost::asio::steady_timer>(p.io->at(0));
  schedule_hls_tick(p);
  p.io->start();
  p.ready = true;
  if (!p.config.auth_admin_api_key.empty() &&
      p.config.auth_admin_api_key.size() < kMinAdminApiKeyBytes)
    spdlog::warn(
        "auth.admin_api_key is shorter than {} characters: fine for a demo, refused in "
        "production mode",
        kMinAdminApiKeyBytes);
  spdlog::info("stagecast ready: http {}/  rtmp {}/<stream key>  store {}", p.api->http_base_url,
               p.api->rtmp_base_url, p.store->backend());
  if (!ports_file.empty()) {
    const std::string tmp = ports_file + ".tmp";
    std::ofstream(tmp) << "{\"http\":" << http_port() << ",\"rtmp\":" << rtmp_port()
                       << ",\"webrtc_udp\":" << (p.webrtc ? p.webrtc->port->udp_port() : 0)
                       << ",\"webrtc_tcp\":" << (p.webrtc ? p.webrtc->port->tcp_port() : 0)
                       << ",\"https\":" << p.http->tls_port() << ",\"rtmps\":" << p.rtmp->tls_port()
                       << "}\n";
    std::filesystem::rename(tmp, ports_file);
  }
}

void Server::stop() {
  Parts& p = *parts_;
  if (p.stopped) return;
  p.ready = false;
  // docs/rtmp.md: stop accepting and close publishers, stop the I/O threads (no publish can
  // attach any more), then end what is still live while the worker pool (which marks streams
  // ENDED in the store) still runs, and stop it last, after its queue drained.
  p.rtmp->stop();
  if (p.webrtc) p.webrtc->stop();
  boost::asio::post(p.io->at(0), [&p] { p.hls_tick->cancel(); });
  if (p.realtime) p.realtime->stop();
  p.http->stop();
  p.io->stop();
  p.registry->end_all("shutdown");
  p.notify->stop();
  // Recordings finish (uploads drain, up to record.shutdown_drain_ms) while the workers that
  // write their rows still run; what is left resumes at the next start.
  if (p.recording) p.recording->shutdown();
  p.workers->stop();
  // After the streams ended above were published and their leases can be given back.
  if (p.cluster) p.cluster->stop();
  if (p.realtime) p.realtime->stop_bus();
  // The streams ended above get their final summary, the live ones their last figures.
  p.analytics->tick();
  p.stopped = true;
}

uint16_t Server::http_port() const {
  return parts_->http->port();
}
uint16_t Server::rtmp_port() const {
  return parts_->rtmp->port();
}

void Server::reload_tls() {
  Parts& p = *parts_;
  if (!p.tls) {
    spdlog::info("SIGHUP: no TLS configured (tls.cert_file), nothing to reload");
    return;
  }
  auto reloaded = p.tls->reload();
  if (!reloaded) {
    p.metrics.counter("stagecast_tls_reloads_total", "Certificate reloads", "result=\"failed\"")
        .inc();
    spdlog::error("tls: certificate reload failed, the current certificate stays in use: {}",
                  reloaded.error().message);
    return;
  }
  p.metrics.counter("stagecast_tls_reloads_total", "Certificate reloads", "result=\"ok\"").inc();
  spdlog::info("tls: certificate reloaded: {} (expires {}, sha256 {}); new connections use it",
               reloaded->subject, reloaded->not_after, reloaded->sha256_fingerprint);
}

}  // namespace stagecast::app
