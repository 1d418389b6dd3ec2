#pragma once
// Server configuration: defaults, then a TOML file, then STAGECAST_* environment variables, then
// command-line flags (--section.key=value), each overriding the one before. Every key is declared
// once in config.cpp's table; an unknown or mistyped key is a start-up error naming the key.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace stagecast::app {

// An admin API key shorter than this is refused in production mode (a warning otherwise).
inline constexpr size_t kMinAdminApiKeyBytes = 24;

struct Config {
  // [server]
  std::string data_dir = "./data";
  bool production = false;  // refuses the sandbox payment provider and generated secrets
  // [http]
  std::string http_host = "127.0.0.1";
  int64_t http_port = 8080;
  std::string public_url;  // how clients reach us, e.g. https://live.example.com; derived if empty
  int64_t http_body_limit_bytes = 1024 * 1024;
  int64_t http_header_timeout_ms = 10'000;
  int64_t http_idle_timeout_ms = 60'000;
  bool http_access_log = true;
  int64_t http_tls_port = 8443;  // HTTPS and WSS, with tls.cert_file; 0 = ephemeral
  // [tls] (docs/operations.md, "TLS"): HTTPS, WSS and RTMPS are on while cert_file is set
  std::string tls_cert_file;  // PEM certificate chain, the leaf first
  std::string tls_key_file;   // PEM private key, unencrypted
  int64_t tls_handshake_timeout_ms = 10'000;
  int64_t tls_max_handshakes_per_address = 64;
  bool http_h2c = true;
  bool http_h2 = true;  // ALPN "h2" on the TLS port
  int64_t http_h2_max_concurrent_streams = 128;
  // [rtmp]
  std::string rtmp_host = "127.0.0.1";
  int64_t rtmp_port = 1935;
  std::string rtmp_public_url;  // e.g. rtmp://live.example.com/live; derived if empty
  int64_t rtmp_max_message_bytes = 16 * 1024 * 1024;
  int64_t rtmp_max_connections = 1000;
  int64_t rtmp_max_pending_per_address = 8;  // connections not publishing yet, per source address
  int64_t rtmp_max_pending = 256;            // ... in all; past it the oldest is shed
  int64_t rtmp_handshake_timeout_ms = 5000;
  int64_t rtmp_publish_timeout_ms = 10000;  // from connecting to publishing
  int64_t rtmp_tls_port = 1936;             // RTMPS, with tls.cert_file; 0 = ephemeral

  // [webrtc] WHIP ingest (docs/webrtc.md)
  bool webrtc_enabled = true;
  std::string webrtc_host = "127.0.0.1";  // the media port's listen address
  int64_t webrtc_udp_port = 8189;         // 0 = ephemeral
  int64_t webrtc_tcp_port = 8189;         // ICE-TCP (passive); 0 = ephemeral
  bool webrtc_udp = true;
  bool webrtc_tcp = true;
  // Announced host candidates, "ip" or "ip:port", comma-separated (1:1 NAT: the public
  // address); empty = the listen address and the bound port.
  std::string webrtc_udp_candidates;
  std::string webrtc_tcp_candidates;
  int64_t webrtc_max_sessions = 256;
  bool webrtc_playback = true;       // WHEP
  int64_t webrtc_max_viewers = 1000;
  std::string webrtc_viewer_default = "realtime";  // or "hls": the Viewer's first choice
  int64_t webrtc_max_bitrate_kbps = 6000;      // REMB ceiling sent to publishers
  int64_t webrtc_keyframe_interval_ms = 2000;  // PLI when no key frame came for this long
  int64_t webrtc_consent_timeout_ms =
      30000;  // RFC 7675: no consent check for this long ends a session
  // [streams]
  int64_t streams_reconnect_grace_seconds = 10;
  int64_t streams_max_duration_seconds = 8 * 3600;
  int64_t streams_max_viewers = 10'000;
  // [transcode]
  bool transcode_enabled = true;  // ABR ladder for every stream
  std::string transcode_ladder = "1080p:6000k,720p:3000k,480p:1500k,360p:800k";
  int64_t transcode_threads = 2;              // encoder worker pool, shared by all streams
  std::string transcode_preset = "veryfast";  // x264 preset of the rungs
  // [chat]
  int64_t chat_max_message_chars = 500;
  int64_t chat_rate_limit_messages = 20;  // per user and room, refilled over the window
  int64_t chat_rate_limit_window_seconds = 30;
  std::vector<std::string> chat_blocked_words;  // global, on top of each stream's own
  // [realtime]
  int64_t realtime_auth_timeout_ms = 10'000;
  int64_t realtime_max_frame_bytes = 8 * 1024;
  int64_t realtime_send_queue_messages = 256;  // per socket; a slow reader is closed (1008)
  int64_t realtime_send_queue_bytes = 1024 * 1024;
  int64_t realtime_viewer_count_interval_ms = 1000;
  bool realtime_batch_events = true;
  int64_t realtime_events_per_second = 20;  // per connection, all events; bursts of events_burst
  int64_t realtime_events_burst = 60;
  int64_t realtime_write_queue_limit = 100'000;
  // "stored": a chat ack waits for the message's write (group commit); "delivered": sent at
  // broadcast, the write follows (docs/realtime.md, "Durability").
  std::string realtime_chat_ack = "stored";
  // [hls]
  int64_t hls_segment_ms = 2000;
  int64_t hls_part_ms = 250;  // aimed at; PART-TARGET is it in whole frames (docs/hls.md)
  int64_t hls_window_segments = 6;
  // PART-HOLD-BACK in percent of PART-TARGET: 4.4.3.8 asks for at least 200, and SHOULD 300.
  int64_t hls_part_hold_back_percent = 300;
  // Playlist Delta Updates (CAN-SKIP-UNTIL, _HLS_skip): docs/hls.md.
  bool hls_delta_updates = true;
  // [analytics] (docs/analytics.md)
  bool analytics_hls_sessions = true;  // session ids in playback URLs, HLS viewers counted
  int64_t analytics_session_silence_ms = 10'000;  // an HLS session ends after this silence
  int64_t analytics_bucket_ms = 60'000;           // one point of the series (tests shorten it)
  int64_t analytics_push_ms = 5'000;              // live figures to the owner's WebSocket
  int64_t analytics_max_sessions = 200'000;
  // [auth]
  std::string auth_jwt_secret;  // generated and kept in the data directory when empty
  int64_t auth_token_ttl_seconds = 7 * 24 * 3600;
  std::string auth_jwt_issuer = "stagecast";
  std::vector<std::string> auth_platform_public_keys;  // PEM files: RS256/ES256 platform tokens
  std::string auth_platform_issuer;
  std::string auth_platform_audience;
  std::string auth_admin_api_key;    // the admin API is off while empty
  std::string auth_playback_secret;  // generated and kept in the data directory when empty
  int64_t auth_playback_ttl_seconds = 3600;
  bool auth_allow_anonymous_viewers = true;
  int64_t auth_argon2_ops_limit = 2;  // libsodium interactive
  int64_t auth_argon2_mem_limit_kib = 64 * 1024;
  int64_t auth_password_threads = 1;      // hash logins and registrations; others never wait
  int64_t auth_password_queue = 32;       // waiting past it: 503 at once
  int64_t auth_login_free_failures = 5;   // per account, then waits of 1 s, 2 s, 4 s ... 15 min
  int64_t auth_attempts_per_minute = 60;  // logins and registrations per source address
  int64_t auth_attempts_burst = 20;
  // [accounts] (docs/web.md: becoming an artist, the operator)
  // "auto" (granted at once) | "operator" (waits for the operator); empty: auto, or operator in
  // production mode.
  std::string accounts_artist_approval;
  std::string accounts_operator_email;  // the operator's account; empty: the first account
  // The first account signed up here is the operator when none is named: "auto" (outside
  // production mode), "on", "off".
  std::string accounts_first_account_operator = "auto";
  // [thumbnails] (docs/web.md, Live thumbnails)
  bool thumbnails_enabled = true;
  int64_t thumbnails_interval_seconds = 5;
  int64_t thumbnails_width = 480;  // the picture's width; height follows the aspect ratio
  int64_t thumbnails_quality = 5;  // JPEG qscale, 2 (best) .. 31
  // [store]
  std::string store_url;  // sqlite:///path or postgres://...; default sqlite in data_dir
  int64_t store_timeout_ms = 2000;
  int64_t store_read_connections = 4;  // readers beside the one writer (PostgreSQL: the pool)
  // [bus], [node], [cluster] (docs/operations.md, "Multi-node")
  std::string bus_url;          // empty: in process (one node); redis://host:port[/db]
  std::string node_id;          // this node's name among the others; default: generated
  std::string node_public_url;  // how viewers reach this node directly (HLS redirects)
  int64_t cluster_lease_ttl_ms = 10'000;
  int64_t cluster_lease_renew_ms = 3'000;
  std::string cluster_hls_mode = "redirect";  // a stream held by another node: redirect
  // [payments] (docs/payments.md)
  std::string payments_provider = "sandbox";  // sandbox (no money moves) | stripe
  std::string payments_stripe_secret_key;
  std::string payments_stripe_webhook_secret;
  std::string payments_stripe_publishable_key;
  std::string payments_stripe_api_base_url = "https://api.stripe.com";
  std::string payments_stripe_api_version = "2024-06-20";
  int64_t payments_stripe_timeout_ms = 20'000;
  int64_t payments_fee_basis_points = 500;  // 5%
  int64_t payments_min_tip_cents = 100;
  int64_t payments_max_tip_cents = 100'000;
  int64_t payments_min_ticket_cents = 100;      // a PAID stream's price, at least
  int64_t payments_max_ticket_cents = 100'000;  // and at most
  std::string payments_currency = "usd";
  std::string payments_onboarding_return_url;   // derived from http.public_url if empty
  std::string payments_onboarding_refresh_url;  // derived from http.public_url if empty
  // [notify] (docs/notifications.md): email is off while smtp_url is empty
  std::string notify_smtp_url;               // smtp://host:587 (starttls, none) | smtps://host:465
  std::string notify_smtp_tls = "starttls";  // starttls | implicit | none
  std::string notify_smtp_username;
  std::string notify_smtp_password;
  std::string notify_smtp_ca_file;  // PEM CA to trust besides the system's (a private relay)
  int64_t notify_smtp_timeout_ms = 30'000;
  std::string notify_email_from;  // required with smtp_url
  std::string notify_email_from_name = "Stagecast";
  int64_t notify_email_max_attempts = 8;
  int64_t notify_email_retry_base_ms = 2'000;
  int64_t notify_email_retry_max_ms = 600'000;
  int64_t notify_reminder_lead_ms = 900'000;  // reminders of scheduled streams: 15 min before
  int64_t notify_email_workers = 4;  // SMTP connections used at once, each kept open
  // Fan-out pace: sends started a second per channel (0: unpaced). 10,000 fans in 40 s.
  int64_t notify_email_per_second = 250;
  // "process": email and push are sent by the delivery agent, a child process that finishes the
  // sends under way when the server dies (app/delivery_agent.h); "threads": in this process.
  std::string notify_delivery = "process";
  int64_t notify_push_per_second = 250;
  // Web Push (RFC 8291/8292): on unless switched off; the VAPID key is made on first start
  bool notify_push_enabled = true;
  std::string notify_push_subject;          // VAPID "sub": mailto: or https: (default derived)
  std::string notify_push_vapid_key_file;   // PEM P-256 key; default
                                            // <data_dir>/secrets/vapid_private_key.pem
  int64_t notify_push_workers = 4;          // pushes in flight at once
  int64_t notify_push_ttl_seconds = 3'600;  // how long a push service keeps an undelivered push
  int64_t notify_push_timeout_ms = 10'000;
  int64_t notify_push_max_attempts = 8;
  int64_t notify_push_retry_base_ms = 2'000;
  int64_t notify_push_retry_max_ms = 600'000;
  std::string notify_push_ca_file;               // PEM CA to trust for push services (tests)
  bool notify_push_allow_http_loopback = false;  // test only: http:// endpoints on loopback
  // [record] (docs/recording.md)
  bool record_enabled = true;           // record streams whose own `record` is on
  std::string record_store = "local";   // local | s3
  std::string record_local_dir;         // default <data_dir>/objects
  std::string record_s3_endpoint;       // default AWS_ENDPOINT_URL_S3, AWS's regional endpoint
  std::string record_s3_region;         // default AWS_REGION, us-east-1
  std::string record_s3_bucket;
  bool record_s3_path_style = false;    // endpoint/bucket/key (MinIO, Ceph); else bucket.endpoint
  std::string record_s3_access_key_id;  // default AWS_ACCESS_KEY_ID
  std::string record_s3_secret_access_key;  // default AWS_SECRET_ACCESS_KEY
  std::string record_s3_session_token;      // default AWS_SESSION_TOKEN
  int64_t record_s3_timeout_ms = 120'000;
  std::string record_spool_dir;  // default <data_dir>/record-spool
  int64_t record_spool_max_bytes = 1024ll * 1024 * 1024;
  std::string record_key_prefix = "recordings";
  int64_t record_mp4_part_bytes = 8ll * 1024 * 1024;
  int64_t record_threads = 2;
  int64_t record_upload_threads = 2;
  int64_t record_retry_initial_ms = 1000;
  int64_t record_retry_max_ms = 30'000;
  int64_t record_rendition_end_wait_ms = 10'000;
  int64_t record_shutdown_drain_ms = 10'000;
  int64_t record_retention_max_age_seconds = 0;  // 0: kept until deleted
  int64_t record_retention_max_total_bytes = 0;  // 0: no limit
  int64_t record_retention_sweep_seconds = 3600;
  // A whole MP4 download up to this size is read at once; a larger one streams through in 1 MiB
  // pieces (or redirects, with record_presign_downloads).
  int64_t record_download_whole_max_bytes = 16 * 1024 * 1024;
  bool record_presign_downloads = false;  // S3: downloads redirect to presigned URLs
  int64_t record_presign_ttl_seconds = 300;
  // [threads]
  int64_t threads_io = 0;       // 0 = one per core
  int64_t threads_workers = 4;  // blocking work: database, disk
  // [log]
  std::string log_level = "info";
  std::string log_format = "text";  // text | json
};

struct LoadedConfig {
  Config config;
  std::string config_file;  // empty when none
  bool print_config = false;
  bool show_help = false;
  // Writes {"http":port,"rtmp":port,...} once listening (for tests); with TLS also "https" and
  // "rtmps".
  std::string ports_file;
};

// `env` is the process environment (NAME=VALUE entries) so tests can pass their own.
Result<LoadedConfig> load_config(int argc, const char* const* argv,
                                 const std::vector<std::string>& env);

// TOML text of the effective configuration with secrets masked.
std::string render_config(const Config& config);
std::string config_help();

// The database URL: store.url, or the SQLite file in data_dir when it is empty.
std::string store_url_of(const Config& config);

}  // namespace stagecast::app
