#include "app/config.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <variant>

#include "transcode/ladder.h"

namespace stagecast::app {
namespace {


using Value = std::variant<std::string*, int64_t*, bool*, std::vector<std::string>*>;

struct Key {
  const char* name;  // "section.key"
  Value (*field)(Config&);
  bool secret;
  const char* help;
};

#define SC_FIELD(member) [](Config& c) -> Value { return &c.member; }

// The one declaration of every configuration key.
const Key kKeys[] = {
    {"server.data_dir", SC_FIELD(data_dir), false,
     "directory for the SQLite file, recordings, generated secrets"},
    {"server.production", SC_FIELD(production), false,
     "production mode: no sandbox payments, no generated secrets"},
    {"http.host", SC_FIELD(http_host), false, "HTTP listen address"},
    {"http.port", SC_FIELD(http_port), false, "HTTP listen port (0 = ephemeral)"},
    {"http.public_url", SC_FIELD(public_url), false, "public base URL of the HTTP server"},
    {"http.body_limit_bytes", SC_FIELD(http_body_limit_bytes), false,
     "largest accepted request body"},
    {"http.header_timeout_ms", SC_FIELD(http_header_timeout_ms), false,
     "time allowed to send request headers"},
    {"http.idle_timeout_ms", SC_FIELD(http_idle_timeout_ms), false, "keep-alive idle timeout"},
    {"http.access_log", SC_FIELD(http_access_log), false,
     "log one line per request (no query strings)"},
    {"http.tls_port", SC_FIELD(http_tls_port), false,
     "HTTPS (and WSS) listen port, on while tls.cert_file is set (0 = ephemeral)"},
    {"tls.cert_file", SC_FIELD(tls_cert_file), false,
     "PEM certificate chain (leaf first) for HTTPS, WSS and RTMPS; empty: no TLS listeners"},
    {"tls.key_file", SC_FIELD(tls_key_file), false,
     "PEM private key (unencrypted) of tls.cert_file; both re-read on SIGHUP"},
    {"tls.handshake_timeout_ms", SC_FIELD(tls_handshake_timeout_ms), false,
     "time allowed for an HTTPS client's TLS handshake"},
    {"tls.max_handshakes_per_address", SC_FIELD(tls_max_handshakes_per_address), false,
     "HTTPS handshakes in flight from one source address; past it new ones are closed"},
    {"http.h2c", SC_FIELD(http_h2c), false, "HTTP/2 with prior knowledge (h2c) on the HTTP port"},
    {"http.h2_max_concurrent_streams", SC_FIELD(http_h2_max_concurrent_streams), false,
     "HTTP/2 streams one connection may have open at once"},
    {"http.h2", SC_FIELD(http_h2), false, "HTTP/2 by ALPN \"h2\" on the TLS port"},
    {"webrtc.enabled", SC_FIELD(webrtc_enabled), false, "WHIP ingest (WebRTC publishers)"},
    {"webrtc.host", SC_FIELD(webrtc_host), false, "WebRTC media port listen address"},
    {"webrtc.udp_port", SC_FIELD(webrtc_udp_port), false,
     "WebRTC UDP port shared by every session (0 = ephemeral)"},
    {"webrtc.tcp_port", SC_FIELD(webrtc_tcp_port), false, "WebRTC ICE-TCP port (0 = ephemeral)"},
    {"webrtc.udp", SC_FIELD(webrtc_udp), false, "offer UDP host candidates"},
    {"webrtc.tcp", SC_FIELD(webrtc_tcp), false, "offer ICE-TCP (passive) host candidates"},
    {"webrtc.udp_candidates", SC_FIELD(webrtc_udp_candidates), false,
     "announced UDP candidates, ip or ip:port, comma-separated (empty: the listen address)"},
    {"webrtc.tcp_candidates", SC_FIELD(webrtc_tcp_candidates), false,
     "announced TCP candidates, ip or ip:port, comma-separated (empty: the listen address)"},
    {"webrtc.max_sessions", SC_FIELD(webrtc_max_sessions), false, "WHIP publishers at most"},
    {"webrtc.playback", SC_FIELD(webrtc_playback), false,
     "WHEP playback (video; the same access rule as HLS)"},
    {"webrtc.max_viewers", SC_FIELD(webrtc_max_viewers), false, "WHEP viewers at most"},
    {"webrtc.viewer_default", SC_FIELD(webrtc_viewer_default), false,
     "the Viewer's mode where WHEP is offered: realtime (falls back to LL-HLS) or hls"},
    {"webrtc.max_bitrate_kbps", SC_FIELD(webrtc_max_bitrate_kbps), false,
     "bitrate ceiling asked of WHIP publishers (REMB)"},
    {"webrtc.consent_timeout_ms", SC_FIELD(webrtc_consent_timeout_ms), false,
     "a WHIP session whose publisher stops its ICE consent checks ends after this long (RFC 7675: "
     "30 s)"},
    {"webrtc.keyframe_interval_ms", SC_FIELD(webrtc_keyframe_interval_ms), false,
     "ask a WHIP publisher for a key frame when none came for this long"},
    {"rtmp.host", SC_FIELD(rtmp_host), false, "RTMP listen address"},
    {"rtmp.port", SC_FIELD(rtmp_port), false, "RTMP listen port (0 = ephemeral)"},
    {"rtmp.public_url", SC_FIELD(rtmp_public_url), false, "RTMP URL given to artists"},
    {"rtmp.max_message_bytes", SC_FIELD(rtmp_max_message_bytes), false,
     "largest RTMP message accepted"},
    {"rtmp.max_connections", SC_FIELD(rtmp_max_connections), false, "RTMP connections at most"},
    {"rtmp.max_pending_per_address", SC_FIELD(rtmp_max_pending_per_address), false,
     "RTMP connections not publishing yet, per source address"},
    {"rtmp.max_pending", SC_FIELD(rtmp_max_pending), false,
     "RTMP connections not publishing yet, in all (past it the oldest is shed)"},
    {"rtmp.handshake_timeout_ms", SC_FIELD(rtmp_handshake_timeout_ms), false,
     "time allowed for the RTMP handshake"},
    {"rtmp.publish_timeout_ms", SC_FIELD(rtmp_publish_timeout_ms), false,
     "time allowed from connecting to publishing"},
    {"rtmp.tls_port", SC_FIELD(rtmp_tls_port), false,
     "RTMPS listen port, on while tls.cert_file is set (0 = ephemeral)"},
    {"streams.reconnect_grace_seconds", SC_FIELD(streams_reconnect_grace_seconds), false,
     "a publisher returning within this continues the stream"},
    {"streams.max_duration_seconds", SC_FIELD(streams_max_duration_seconds), false,
     "a stream is ended after this long"},
    {"streams.max_viewers", SC_FIELD(streams_max_viewers), false, "viewers per stream"},
    {"transcode.enabled", SC_FIELD(transcode_enabled), false,
     "transcode every stream into the ABR ladder"},
    {"transcode.ladder", SC_FIELD(transcode_ladder), false,
     "rungs below the source: <height>p:<bitrate>,..."},
    {"transcode.threads", SC_FIELD(transcode_threads), false,
     "encoder threads shared by all streams"},
    {"transcode.preset", SC_FIELD(transcode_preset), false, "x264 preset of the rungs"},
    {"chat.max_message_chars", SC_FIELD(chat_max_message_chars), false,
     "longest chat message (characters)"},
    {"chat.rate_limit_messages", SC_FIELD(chat_rate_limit_messages), false,
     "chat messages a user may send per window (burst)"},
    {"chat.rate_limit_window_seconds", SC_FIELD(chat_rate_limit_window_seconds), false,
     "window of the chat rate limit"},
    {"chat.blocked_words", SC_FIELD(chat_blocked_words), false,
     "words refused in every stream's chat"},
    {"realtime.auth_timeout_ms", SC_FIELD(realtime_auth_timeout_ms), false,
     "time a WebSocket has to authenticate (or join anonymously)"},
    {"realtime.max_frame_bytes", SC_FIELD(realtime_max_frame_bytes), false,
     "largest WebSocket message accepted (close 1009 beyond)"},
    {"realtime.send_queue_messages", SC_FIELD(realtime_send_queue_messages), false,
     "queued messages per socket before a slow reader is closed"},
    {"realtime.send_queue_bytes", SC_FIELD(realtime_send_queue_bytes), false,
     "queued bytes per socket before a slow reader is closed"},
    {"realtime.viewer_count_interval_ms", SC_FIELD(realtime_viewer_count_interval_ms), false,
     "viewer counts are broadcast at most this often"},
    {"realtime.batch_events", SC_FIELD(realtime_batch_events), false,
     "send room events that arrive together as one batch frame"},
    {"realtime.events_per_second", SC_FIELD(realtime_events_per_second), false,
     "events a connection may send per second (flood guard)"},
    {"realtime.events_burst", SC_FIELD(realtime_events_burst), false,
     "burst allowance of the flood guard"},
    {"realtime.write_queue_limit", SC_FIELD(realtime_write_queue_limit), false,
     "chat/presence writes queued behind the database at most"},
    {"realtime.chat_ack", SC_FIELD(realtime_chat_ack), false,
     "when a chat message is acknowledged: stored (after its write) or delivered (broadcast)"},
    {"hls.segment_ms", SC_FIELD(hls_segment_ms), false, "target HLS segment duration"},
    {"hls.part_ms", SC_FIELD(hls_part_ms), false, "target LL-HLS part duration"},
    {"hls.window_segments", SC_FIELD(hls_window_segments), false,
     "segments listed in a live playlist"},
    {"hls.part_hold_back_percent", SC_FIELD(hls_part_hold_back_percent), false,
     "PART-HOLD-BACK in percent of PART-TARGET (200..1000; the spec's SHOULD is 300)"},
    {"hls.delta_updates", SC_FIELD(hls_delta_updates), false,
     "offer Playlist Delta Updates (CAN-SKIP-UNTIL, _HLS_skip=YES)"},
    {"analytics.hls_sessions", SC_FIELD(analytics_hls_sessions), false,
     "count HLS viewers by a session id carried in playback URLs"},
    {"analytics.session_silence_ms", SC_FIELD(analytics_session_silence_ms), false,
     "an HLS playback session ends after this long without a request"},
    {"analytics.bucket_ms", SC_FIELD(analytics_bucket_ms), false,
     "length of one point of the analytics series (a minute; shorter in tests)"},
    {"analytics.push_ms", SC_FIELD(analytics_push_ms), false,
     "how often the owner's WebSocket gets the live figures"},
    {"analytics.max_sessions", SC_FIELD(analytics_max_sessions), false,
     "HLS playback sessions tracked at most (all streams)"},
    {"auth.jwt_secret", SC_FIELD(auth_jwt_secret), true,
     "HS256 secret for tokens this server issues"},
    {"auth.token_ttl_seconds", SC_FIELD(auth_token_ttl_seconds), false,
     "lifetime of issued tokens"},
    {"auth.jwt_issuer", SC_FIELD(auth_jwt_issuer), false, "iss of issued tokens"},
    {"auth.platform_public_keys", SC_FIELD(auth_platform_public_keys), false,
     "PEM files of the platform's RS256/ES256 keys"},
    {"auth.platform_issuer", SC_FIELD(auth_platform_issuer), false,
     "required iss of platform tokens"},
    {"auth.platform_audience", SC_FIELD(auth_platform_audience), false,
     "required aud of platform tokens"},
    {"auth.admin_api_key", SC_FIELD(auth_admin_api_key), true,
     "key of the admin API (off when empty)"},
    {"auth.playback_secret", SC_FIELD(auth_playback_secret), true,
     "HMAC secret of playback tokens"},
    {"auth.playback_ttl_seconds", SC_FIELD(auth_playback_ttl_seconds), false,
     "lifetime of playback tokens"},
    {"auth.allow_anonymous_viewers", SC_FIELD(auth_allow_anonymous_viewers), false,
     "anonymous viewers may watch PUBLIC streams"},
    {"auth.argon2_ops_limit", SC_FIELD(auth_argon2_ops_limit), false, "argon2id passes"},
    {"auth.argon2_mem_limit_kib", SC_FIELD(auth_argon2_mem_limit_kib), false, "argon2id memory"},
    {"auth.password_threads", SC_FIELD(auth_password_threads), false,
     "threads that hash passwords (logins, registrations)"},
    {"auth.password_queue", SC_FIELD(auth_password_queue), false,
     "logins and registrations waiting for a hash; past it 503"},
    {"auth.login_free_failures", SC_FIELD(auth_login_free_failures), false,
     "wrong passwords per account before waits (doubling from 1 s) begin"},
    {"auth.attempts_per_minute", SC_FIELD(auth_attempts_per_minute), false,
     "logins and registrations per source address per minute"},
    {"auth.attempts_burst", SC_FIELD(auth_attempts_burst), false,
     "burst of logins and registrations per source address"},
    {"accounts.artist_approval", SC_FIELD(accounts_artist_approval), false,
     "a fan asking to become an artist: auto (at once) or operator (waits); empty: auto, "
     "operator in production"},
    {"accounts.operator_email", SC_FIELD(accounts_operator_email), false,
     "email of the operator's account (the operator page); empty: the first account"},
    {"accounts.first_account_operator", SC_FIELD(accounts_first_account_operator), false,
     "the first account signed up is the operator when none is named: auto (not in "
     "production), on, off"},
    {"thumbnails.enabled", SC_FIELD(thumbnails_enabled), false,
     "a live picture of every live stream for cards and link previews"},
    {"thumbnails.interval_seconds", SC_FIELD(thumbnails_interval_seconds), false,
     "a key frame decoded this often per live stream (2..60)"},
    {"thumbnails.width", SC_FIELD(thumbnails_width), false, "picture width in pixels (160..1280)"},
    {"thumbnails.quality", SC_FIELD(thumbnails_quality), false,
     "JPEG quality scale, 2 (best) .. 31"},
    {"store.url", SC_FIELD(store_url), true, "sqlite:///path/file.db or postgres://..."},
    {"store.timeout_ms", SC_FIELD(store_timeout_ms), false,
     "longest a call waits for the database (locked, busy) before it fails"},
    {"store.read_connections", SC_FIELD(store_read_connections), false,
     "read-only connections beside the single writer (0..64; PostgreSQL: 1 + this per node)"},
    {"bus.url", SC_FIELD(bus_url), true,
     "empty: one node, in process; redis://host:port[/db]: several nodes share chat, counts, "
     "leases and rate limits through Redis"},
    {"node.id", SC_FIELD(node_id), false,
     "this node's name among the others (stable across restarts); default: generated"},
    {"node.public_url", SC_FIELD(node_public_url), false,
     "how viewers reach this node itself (other nodes redirect HLS of its streams there)"},
    {"cluster.lease_ttl_ms", SC_FIELD(cluster_lease_ttl_ms), false,
     "a stream's ingest lease lapses this long after its node stopped renewing it"},
    {"cluster.lease_renew_ms", SC_FIELD(cluster_lease_renew_ms), false,
     "how often a node renews the leases of the streams it ingests"},
    {"cluster.hls_mode", SC_FIELD(cluster_hls_mode), false,
     "HLS of a stream another node ingests: redirect (307 to that node's node.public_url) or "
     "proxy (fetched from it and relayed; node.public_url must then be http://host:port)"},
    {"payments.provider", SC_FIELD(payments_provider), false,
     "sandbox (no money moves; refused in production) or stripe"},
    {"payments.stripe_secret_key", SC_FIELD(payments_stripe_secret_key), true,
     "Stripe secret API key (sk_...)"},
    {"payments.stripe_webhook_secret", SC_FIELD(payments_stripe_webhook_secret), true,
     "signing secret of the webhook endpoint (whsec_...)"},
    {"payments.stripe_publishable_key", SC_FIELD(payments_stripe_publishable_key), false,
     "Stripe publishable key (pk_...) for Stripe.js"},
    {"payments.stripe_api_base_url", SC_FIELD(payments_stripe_api_base_url), false,
     "Stripe API base URL (tests point it at a local server)"},
    {"payments.stripe_api_version", SC_FIELD(payments_stripe_api_version), false,
     "Stripe-Version sent with every request"},
    {"payments.stripe_timeout_ms", SC_FIELD(payments_stripe_timeout_ms), false,
     "time allowed for one Stripe API call"},
    {"payments.fee_basis_points", SC_FIELD(payments_fee_basis_points), false,
     "platform fee on tips and tickets (500 = 5%)"},
    {"payments.min_tip_cents", SC_FIELD(payments_min_tip_cents), false,
     "smallest tip (minor units)"},
    {"payments.max_tip_cents", SC_FIELD(payments_max_tip_cents), false,
     "largest tip (minor units)"},
    {"payments.min_ticket_cents", SC_FIELD(payments_min_ticket_cents), false,
     "lowest price of a PAID stream's ticket (minor units)"},
    {"payments.max_ticket_cents", SC_FIELD(payments_max_ticket_cents), false,
     "highest price of a PAID stream's ticket (minor units)"},
    {"payments.currency", SC_FIELD(payments_currency), false,
     "currency of tips and tickets (ISO 4217, lowercase)"},
    {"payments.onboarding_return_url", SC_FIELD(payments_onboarding_return_url), false,
     "where Stripe sends an artist after onboarding"},
    {"payments.onboarding_refresh_url", SC_FIELD(payments_onboarding_refresh_url), false,
     "where Stripe sends an artist whose onboarding link expired"},
    {"notify.smtp_url", SC_FIELD(notify_smtp_url), false,
     "mail server for notification emails: smtp://host:587 or smtps://host:465 (empty: no email)"},
    {"notify.smtp_tls", SC_FIELD(notify_smtp_tls), false,
     "starttls (required, never falls back to clear text), implicit (smtps://) or none"},
    {"notify.smtp_username", SC_FIELD(notify_smtp_username), false, "SMTP AUTH user (empty: none)"},
    {"notify.smtp_password", SC_FIELD(notify_smtp_password), true, "SMTP AUTH password"},
    {"notify.smtp_ca_file", SC_FIELD(notify_smtp_ca_file), false,
     "PEM file of a CA to trust for the mail server (a private relay)"},
    {"notify.smtp_timeout_ms", SC_FIELD(notify_smtp_timeout_ms), false,
     "time allowed for one mail, connection included"},
    {"notify.email_from", SC_FIELD(notify_email_from), false,
     "sender address of notification emails (required with smtp_url)"},
    {"notify.email_from_name", SC_FIELD(notify_email_from_name), false, "sender display name"},
    {"notify.email_max_attempts", SC_FIELD(notify_email_max_attempts), false,
     "attempts per email before it is FAILED (transient errors only are retried)"},
    {"notify.email_retry_base_ms", SC_FIELD(notify_email_retry_base_ms), false,
     "first retry delay; doubles each attempt, jittered"},
    {"notify.email_retry_max_ms", SC_FIELD(notify_email_retry_max_ms), false,
     "longest retry delay"},
    {"notify.reminder_lead_ms", SC_FIELD(notify_reminder_lead_ms), false,
     "how long before a scheduled stream's time subscribers get a reminder (1 s .. 7 days)"},
    {"notify.email_workers", SC_FIELD(notify_email_workers), false,
     "SMTP connections used at once (each kept open across mails)"},
    {"notify.email_per_second", SC_FIELD(notify_email_per_second), false,
     "mails started a second at most (0: unpaced): a fan-out runs beside live traffic"},
    {"notify.push_per_second", SC_FIELD(notify_push_per_second), false,
     "pushes started a second at most (0: unpaced)"},
    {"notify.delivery", SC_FIELD(notify_delivery), false,
     "process (a child process that finishes the sends under way if the server dies) or threads"},
    {"notify.push_enabled", SC_FIELD(notify_push_enabled), false,
     "Web Push notifications (VAPID key made on first start)"},
    {"notify.push_subject", SC_FIELD(notify_push_subject), false,
     "VAPID contact (mailto: or https:); default mailto:<email_from> or http.public_url"},
    {"notify.push_vapid_key_file", SC_FIELD(notify_push_vapid_key_file), false,
     "PEM P-256 VAPID private key; default <data_dir>/secrets/vapid_private_key.pem"},
    {"notify.push_workers", SC_FIELD(notify_push_workers), false, "pushes in flight at once"},
    {"notify.push_ttl_seconds", SC_FIELD(notify_push_ttl_seconds), false,
     "how long a push service keeps a push for an offline browser (TTL header)"},
    {"notify.push_timeout_ms", SC_FIELD(notify_push_timeout_ms), false,
     "time allowed for one push request"},
    {"notify.push_max_attempts", SC_FIELD(notify_push_max_attempts), false,
     "attempts per push before it is FAILED (429, 5xx and no answer are retried)"},
    {"notify.push_retry_base_ms", SC_FIELD(notify_push_retry_base_ms), false,
     "first retry delay; doubles each attempt, jittered, never sooner than Retry-After"},
    {"notify.push_retry_max_ms", SC_FIELD(notify_push_retry_max_ms), false, "longest retry delay"},
    {"notify.push_ca_file", SC_FIELD(notify_push_ca_file), false,
     "PEM file of a CA to trust for push services besides the system's"},
    {"notify.push_allow_http_loopback", SC_FIELD(notify_push_allow_http_loopback), false,
     "TESTS ONLY: accept http:// push endpoints on loopback (refused in production)"},
    {"record.enabled", SC_FIELD(record_enabled), false,
     "record streams whose own record setting is on (docs/recording.md)"},
    {"record.store", SC_FIELD(record_store), false, "where recordings go: local or s3"},
    {"record.local_dir", SC_FIELD(record_local_dir), false,
     "local object store directory (default <data_dir>/objects)"},
    {"record.s3_endpoint", SC_FIELD(record_s3_endpoint), false,
     "S3 endpoint http(s)://host[:port] (default AWS_ENDPOINT_URL_S3, else AWS)"},
    {"record.s3_region", SC_FIELD(record_s3_region), false,
     "S3 region (default AWS_REGION, else us-east-1)"},
    {"record.s3_bucket", SC_FIELD(record_s3_bucket), false, "S3 bucket"},
    {"record.s3_path_style", SC_FIELD(record_s3_path_style), false,
     "path-style addressing (MinIO, Ceph); false: virtual-hosted (bucket.host)"},
    {"record.s3_access_key_id", SC_FIELD(record_s3_access_key_id), true,
     "S3 access key id (default AWS_ACCESS_KEY_ID)"},
    {"record.s3_secret_access_key", SC_FIELD(record_s3_secret_access_key), true,
     "S3 secret key (default AWS_SECRET_ACCESS_KEY)"},
    {"record.s3_session_token", SC_FIELD(record_s3_session_token), true,
     "S3 session token of temporary credentials (default AWS_SESSION_TOKEN)"},
    {"record.s3_timeout_ms", SC_FIELD(record_s3_timeout_ms), false,
     "longest one S3 request may take"},
    {"record.spool_dir", SC_FIELD(record_spool_dir), false,
     "spool of what is not in the object store yet (default <data_dir>/record-spool)"},
    {"record.spool_max_bytes", SC_FIELD(record_spool_max_bytes), false,
     "spool size; past it segments are lost and the recording is PARTIAL"},
    {"record.key_prefix", SC_FIELD(record_key_prefix), false,
     "object keys start with this (recordings/<stream>/<recording>/...)"},
    {"record.mp4_part_bytes", SC_FIELD(record_mp4_part_bytes), false,
     "S3 multipart part size of the MP4 download (>= 5 MiB)"},
    {"record.threads", SC_FIELD(record_threads), false, "threads spooling segments to disk"},
    {"record.upload_threads", SC_FIELD(record_upload_threads), false,
     "threads writing to the object store"},
    {"record.retry_initial_ms", SC_FIELD(record_retry_initial_ms), false,
     "first wait before retrying the object store (doubles each time)"},
    {"record.retry_max_ms", SC_FIELD(record_retry_max_ms), false,
     "longest wait between retries of the object store"},
    {"record.rendition_end_wait_ms", SC_FIELD(record_rendition_end_wait_ms), false,
     "how long the ABR rungs may take to end after the stream did"},
    {"record.shutdown_drain_ms", SC_FIELD(record_shutdown_drain_ms), false,
     "on stop, how long to wait for uploads (the rest resumes at the next start)"},
    {"record.retention_max_age_seconds", SC_FIELD(record_retention_max_age_seconds), false,
     "recordings older than this are deleted (0: kept)"},
    {"record.retention_max_total_bytes", SC_FIELD(record_retention_max_total_bytes), false,
     "oldest recordings are deleted past this total (0: no limit)"},
    {"record.retention_sweep_seconds", SC_FIELD(record_retention_sweep_seconds), false,
     "how often retention is enforced"},
    {"record.download_whole_max_bytes", SC_FIELD(record_download_whole_max_bytes), false,
     "MP4 downloads up to this size are read at once; larger ones stream through in pieces"},
    {"record.presign_downloads", SC_FIELD(record_presign_downloads), false,
     "S3: MP4 downloads redirect to short-lived presigned URLs instead of passing through"},
    {"record.presign_ttl_seconds", SC_FIELD(record_presign_ttl_seconds), false,
     "lifetime of presigned download URLs"},
    {"threads.io", SC_FIELD(threads_io), false, "I/O threads (0 = one per core)"},
    {"threads.workers", SC_FIELD(threads_workers), false, "threads for blocking work"},
    {"log.level", SC_FIELD(log_level), false, "trace, debug, info, warn, error"},
    {"log.format", SC_FIELD(log_format), false, "text or json"},
};

#undef SC_FIELD

const Key* find_key(std::string_view name) {
  for (const Key& k : kKeys) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

// STAGECAST_HTTP_PORT -> http.port
std::string env_name(const Key& k) {
  std::string out = "STAGECAST_";
  for (const char* p = k.name; *p; ++p) {
    out += *p == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(*p)));
  }
  return out;
}

Result<void> set_from_text(Config& c, const Key& k, std::string_view text,
                           std::string_view origin) {
  auto bad = [&](std::string_view expected) {
    return make_error("config_invalid", fmt::format("{}: {} expects {}, got '{}'", origin, k.name,
                                                    expected, k.secret ? "***" : text));
  };
  Value v = k.field(c);
  if (auto* s = std::get_if<std::string*>(&v)) {
    **s = std::string(text);
  } else if (auto* i = std::get_if<int64_t*>(&v)) {
    int64_t parsed = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (ec != std::errc() || ptr != text.data() + text.size()) return bad("an integer");
    **i = parsed;
  } else if (auto* b = std::get_if<bool*>(&v)) {
    if (text == "true" || text == "1" || text == "yes") {
      **b = true;
    } else if (text == "false" || text == "0" || text == "no") {
      **b = false;
    } else {
      return bad("true or false");
    }
  } else if (auto* l = std::get_if<std::vector<std::string>*>(&v)) {
    (*l)->clear();
    size_t i = 0;
    while (i < text.size()) {
      size_t comma = text.find(',', i);
      if (comma == std::string_view::npos) comma = text.size();
      if (comma > i) (*l)->emplace_back(text.substr(i, comma - i));
      i = comma + 1;
    }
  }
  return {};
}

Result<void> set_from_toml(Config& c, const Key& k, const toml::node& node, std::string_view file) {
  auto bad = [&](std::string_view expected) {
    return make_error("config_invalid", fmt::format("{}: {} expects {}", file, k.name, expected));
  };
  Value v = k.field(c);
  if (auto* s = std::get_if<std::string*>(&v)) {
    auto val = node.value<std::string>();
    if (!node.is_string() || !val) return bad("a string");
    **s = *val;
  } else if (auto* i = std::get_if<int64_t*>(&v)) {
    if (!node.is_integer()) return bad("an integer");
    **i = *node.value<int64_t>();
  } else if (auto* b = std::get_if<bool*>(&v)) {
    if (!node.is_boolean()) return bad("true or false");
    **b = *node.value<bool>();
  } else if (auto* l = std::get_if<std::vector<std::string>*>(&v)) {
    const toml::array* arr = node.as_array();
    if (!arr) return bad("an array of strings");
    (*l)->clear();
    for (const auto& item : *arr) {
      if (!item.is_string()) return bad("an array of strings");
      (*l)->push_back(*item.value<std::string>());
    }
  }
  return {};
}

Result<void> apply_toml_file(Config& c, const std::string& path) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return make_error("config_invalid",
                      fmt::format("{}:{}: {}", path, e.source().begin.line, e.description()));
  }
  for (const auto& [section, node] : table) {
    const toml::table* inner = node.as_table();
    if (!inner) {
      return make_error("config_invalid",
                        fmt::format("{}: '{}' must be a [section]", path, section.str()));
    }
    for (const auto& [key, value] : *inner) {
      const std::string name = std::string(section.str()) + "." + std::string(key.str());
      const Key* k = find_key(name);
      if (!k)
        return make_error("config_unknown_key", fmt::format("{}: unknown key '{}'", path, name));
      if (auto r = set_from_toml(c, *k, value, path); !r) return r;
    }
  }
  return {};
}

Result<void> validate(const Config& c) {
  auto port_ok = [](int64_t p) { return p >= 0 && p <= 65535; };
  if (!port_ok(c.http_port)) return make_error("config_invalid", "http.port must be 0..65535");
  if (!port_ok(c.rtmp_port)) return make_error("config_invalid", "rtmp.port must be 0..65535");
  if (!port_ok(c.http_tls_port) || !port_ok(c.rtmp_tls_port))
    return make_error("config_invalid", "http.tls_port and rtmp.tls_port must be 0..65535");
  if (c.tls_cert_file.empty() != c.tls_key_file.empty())
    return make_error("config_invalid", "tls.cert_file and tls.key_file go together");
  if (c.tls_handshake_timeout_ms < 100 || c.tls_max_handshakes_per_address < 1)
    return make_error("config_invalid",
                      "tls.handshake_timeout_ms must be >= 100, "
                      "tls.max_handshakes_per_address >= 1");
  if (!port_ok(c.webrtc_udp_port) || !port_ok(c.webrtc_tcp_port)) {
    return make_error("config_invalid", "webrtc.udp_port and webrtc.tcp_port must be 0..65535");
  }
  if (c.webrtc_max_sessions < 1 || c.webrtc_max_viewers < 1 || c.webrtc_max_bitrate_kbps < 100 ||
      c.webrtc_keyframe_interval_ms < 500 || c.webrtc_consent_timeout_ms < 1000) {
    return make_error("config_invalid",
                      "webrtc.max_sessions and webrtc.max_viewers must be >= 1, "
                      "webrtc.max_bitrate_kbps >= 100, "
                      "webrtc.keyframe_interval_ms >= 500, webrtc.consent_timeout_ms >= 1000");
  }
  if (c.http_h2_max_concurrent_streams < 1 || c.http_h2_max_concurrent_streams > 1000) {
    return make_error("config_invalid", "http.h2_max_concurrent_streams must be 1 to 1000");
  }
  if (c.http_body_limit_bytes < 1024) {
    return make_error("config_invalid", "http.body_limit_bytes must be at least 1024");
  }
  if (c.record_store != "local" && c.record_store != "s3")
    return make_error("config_invalid", "record.store must be local or s3");
  if (c.record_enabled && c.record_store == "s3" && c.record_s3_bucket.empty())
    return make_error("config_invalid", "record.s3_bucket is required with record.store = s3");
  if (c.record_mp4_part_bytes < 5ll * 1024 * 1024 || c.record_mp4_part_bytes > 5ll << 30)
    return make_error("config_invalid", "record.mp4_part_bytes must be 5 MiB..5 GiB (S3's limits)");
  if (c.record_spool_max_bytes < 1024 * 1024)
    return make_error("config_invalid", "record.spool_max_bytes must be at least 1 MiB");
  if (c.record_threads < 1 || c.record_threads > 64 || c.record_upload_threads < 1 ||
      c.record_upload_threads > 64)
    return make_error("config_invalid", "record.threads and record.upload_threads must be 1..64");
  if (c.record_retry_initial_ms < 1 || c.record_retry_max_ms < c.record_retry_initial_ms)
    return make_error("config_invalid", "record.retry_initial_ms must be >= 1 and <= retry_max_ms");
  if (c.record_s3_timeout_ms < 100 || c.record_rendition_end_wait_ms < 0 ||
      c.record_shutdown_drain_ms < 0 || c.record_retention_max_age_seconds < 0 ||
      c.record_retention_max_total_bytes < 0 || c.record_download_whole_max_bytes < 1 ||
      c.record_retention_sweep_seconds < 1 || c.record_presign_ttl_seconds < 1 ||
      c.record_presign_ttl_seconds > 7 * 24 * 3600)
    return make_error("config_invalid", "record.* times and sizes must be positive");
  if (!c.bus_url.empty() && !c.bus_url.starts_with("redis://"))
    return make_error("config_invalid", "bus.url must be empty (in process) or redis://host:port");
  if (c.cluster_lease_renew_ms < 100 || c.cluster_lease_ttl_ms < 2 * c.cluster_lease_renew_ms)
    return make_error("config_invalid",
                      "cluster.lease_renew_ms must be >= 100 and cluster.lease_ttl_ms at least "
                      "twice it");
  if (c.node_id.size() > 64 ||
      !std::all_of(c.node_id.begin(), c.node_id.end(), [](unsigned char ch) {
        return std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.';
      }))
    return make_error("config_invalid", "node.id must be 1-64 of A-Z a-z 0-9 . _ -");
  if (c.webrtc_viewer_default != "realtime" && c.webrtc_viewer_default != "hls")
    return make_error("config_invalid", "webrtc.viewer_default must be realtime or hls");
  if (c.cluster_hls_mode != "redirect" && c.cluster_hls_mode != "proxy")
    return make_error("config_invalid", "cluster.hls_mode must be redirect or proxy");
  if (c.hls_part_ms < 100 || c.hls_segment_ms < c.hls_part_ms) {
    return make_error("config_invalid", "hls.part_ms must be >= 100 and <= hls.segment_ms");
  }
  if (c.hls_part_hold_back_percent < 200 || c.hls_part_hold_back_percent > 1000) {
    return make_error("config_invalid", "hls.part_hold_back_percent must be 200..1000");
  }
  if (c.analytics_session_silence_ms < 1000 || c.analytics_session_silence_ms > 600'000) {
    return make_error("config_invalid", "analytics.session_silence_ms must be 1000..600000");
  }
  if (c.analytics_bucket_ms < 1000 || c.analytics_bucket_ms > 3'600'000) {
    return make_error("config_invalid", "analytics.bucket_ms must be 1000..3600000");
  }
  if (c.analytics_push_ms < 1000 || c.analytics_push_ms > 600'000) {
    return make_error("config_invalid", "analytics.push_ms must be 1000..600000");
  }
  if (c.analytics_max_sessions < 1 || c.analytics_max_sessions > 10'000'000) {
    return make_error("config_invalid", "analytics.max_sessions must be 1..10000000");
  }
  if (auto ladder = transcode::parse_ladder(c.transcode_ladder); !ladder) {
    return make_error("config_invalid", "transcode.ladder: " + ladder.error().message);
  }
  if (c.transcode_threads < 1 || c.transcode_threads > 64) {
    return make_error("config_invalid", "transcode.threads must be 1..64");
  }
  static constexpr std::string_view kPresets[] = {"ultrafast", "superfast", "veryfast",
                                                  "faster",    "fast",      "medium",
                                                  "slow",      "slower",    "veryslow"};
  if (std::find(std::begin(kPresets), std::end(kPresets), c.transcode_preset) ==
      std::end(kPresets)) {
    return make_error("config_invalid",
                      "transcode.preset must be an x264 preset (ultrafast..veryslow)");
  }
  if (c.log_format != "text" && c.log_format != "json") {
    return make_error("config_invalid", "log.format must be text or json");
  }
  if (c.threads_io < 0 || c.threads_workers < 1) {
    return make_error("config_invalid", "threads.io must be >= 0 and threads.workers >= 1");
  }
  if (c.auth_password_threads < 1 || c.auth_password_threads > 64 || c.auth_password_queue < 1 ||
      c.auth_login_free_failures < 0 || c.auth_attempts_per_minute < 1 || c.auth_attempts_burst < 1)
    return make_error(
        "config_invalid",
        "auth.password_threads must be 1..64; password_queue, attempts_per_minute and "
        "attempts_burst >= 1; login_free_failures >= 0");
  // An API key that can be guessed is a key to every account (the admin API upserts users).
  if (c.production && !c.auth_admin_api_key.empty() &&
      c.auth_admin_api_key.size() < kMinAdminApiKeyBytes)
    return make_error("config_invalid",
                      fmt::format("auth.admin_api_key must be at least {} characters in production",
                                  kMinAdminApiKeyBytes));
  if (c.rtmp_max_connections < 1 || c.rtmp_max_pending_per_address < 1 || c.rtmp_max_pending < 1 ||
      c.rtmp_handshake_timeout_ms < 100 || c.rtmp_publish_timeout_ms < 100)
    return make_error("config_invalid",
                      "rtmp.max_connections, max_pending_per_address and max_pending must be >= 1, "
                      "rtmp.handshake_timeout_ms and publish_timeout_ms >= 100");
  if (c.store_timeout_ms < 10 || c.store_timeout_ms > 60'000)
    return make_error("config_invalid", "store.timeout_ms must be 10..60000");
  if (c.store_read_connections < 0 || c.store_read_connections > 64)
    return make_error("config_invalid", "store.read_connections must be 0..64");
  if (c.streams_max_viewers < 1)
    return make_error("config_invalid", "streams.max_viewers must be >= 1");
  if (c.chat_max_message_chars < 1 || c.chat_max_message_chars > 2000) {
    return make_error("config_invalid", "chat.max_message_chars must be 1..2000");
  }
  if (c.chat_rate_limit_messages < 1 || c.chat_rate_limit_window_seconds < 1) {
    return make_error("config_invalid",
                      "chat.rate_limit_messages and chat.rate_limit_window_seconds must be >= 1");
  }
  if (c.realtime_auth_timeout_ms < 100 || c.realtime_viewer_count_interval_ms < 100) {
    return make_error(
        "config_invalid",
        "realtime.auth_timeout_ms and realtime.viewer_count_interval_ms must be >= 100");
  }
  if (c.realtime_max_frame_bytes < 1024 || c.realtime_send_queue_messages < 1 ||
      c.realtime_send_queue_bytes < c.realtime_max_frame_bytes ||
      c.realtime_events_per_second < 1 || c.realtime_events_burst < 1 ||
      c.realtime_write_queue_limit < 1) {
    return make_error("config_invalid",
                      "realtime: max_frame_bytes >= 1024, send_queue_bytes >= max_frame_bytes, "
                      "and the other limits >= 1");
  }
  if (c.realtime_chat_ack != "stored" && c.realtime_chat_ack != "delivered") {
    return make_error("config_invalid", "realtime.chat_ack must be stored or delivered");
  }
  if (c.notify_smtp_tls != "starttls" && c.notify_smtp_tls != "implicit" &&
      c.notify_smtp_tls != "none") {
    return make_error("config_invalid", "notify.smtp_tls must be starttls, implicit or none");
  }
  if (!c.notify_smtp_url.empty() && c.notify_email_from.find('@') == std::string::npos) {
    return make_error("config_invalid", "notify.email_from (an address) is required with smtp_url");
  }
  if (c.notify_smtp_timeout_ms < 1 || c.notify_email_max_attempts < 1 ||
      c.notify_email_max_attempts > 100 || c.notify_email_retry_base_ms < 1 ||
      c.notify_email_retry_max_ms < c.notify_email_retry_base_ms) {
    return make_error("config_invalid",
                      "notify: smtp_timeout_ms >= 1, email_max_attempts 1..100, "
                      "1 <= email_retry_base_ms <= email_retry_max_ms");
  }
  if (c.notify_reminder_lead_ms < 1000 || c.notify_reminder_lead_ms > 7LL * 24 * 3600 * 1000) {
    return make_error("config_invalid", "notify.reminder_lead_ms must be 1000 .. 604800000");
  }
  if (!c.accounts_artist_approval.empty() && c.accounts_artist_approval != "auto" &&
      c.accounts_artist_approval != "operator") {
    return make_error("config_invalid", "accounts.artist_approval must be auto or operator");
  }
  if (c.accounts_first_account_operator != "auto" && c.accounts_first_account_operator != "on" &&
      c.accounts_first_account_operator != "off") {
    return make_error("config_invalid", "accounts.first_account_operator must be auto, on or off");
  }
  if (c.thumbnails_interval_seconds < 2 || c.thumbnails_interval_seconds > 60 ||
      c.thumbnails_width < 160 || c.thumbnails_width > 1280 || c.thumbnails_quality < 2 ||
      c.thumbnails_quality > 31) {
    return make_error("config_invalid",
                      "thumbnails: interval_seconds 2..60, width 160..1280, quality 2..31");
  }
  if (c.notify_delivery != "process" && c.notify_delivery != "threads") {
    return make_error("config_invalid", "notify.delivery must be process or threads");
  }
  if (c.notify_email_per_second < 0 || c.notify_email_per_second > 1'000'000 ||
      c.notify_push_per_second < 0 || c.notify_push_per_second > 1'000'000) {
    return make_error("config_invalid",
                      "notify.email_per_second and push_per_second: 0 (unpaced) .. 1000000");
  }
  if (c.notify_email_workers < 1 || c.notify_email_workers > 64 || c.notify_push_workers < 1 ||
      c.notify_push_workers > 64 || c.notify_push_ttl_seconds < 0 ||
      c.notify_push_ttl_seconds > 2'419'200 || c.notify_push_timeout_ms < 1 ||
      c.notify_push_max_attempts < 1 || c.notify_push_max_attempts > 100 ||
      c.notify_push_retry_base_ms < 1 || c.notify_push_retry_max_ms < c.notify_push_retry_base_ms) {
    return make_error("config_invalid",
                      "notify: email_workers and push_workers 1..64, push_ttl_seconds 0..2419200, "
                      "push_timeout_ms >= 1, push_max_attempts 1..100, "
                      "1 <= push_retry_base_ms <= push_retry_max_ms");
  }
  if (!c.notify_push_subject.empty() && !c.notify_push_subject.starts_with("mailto:") &&
      !c.notify_push_subject.starts_with("https:")) {
    return make_error("config_invalid", "notify.push_subject must be a mailto: or https: URI");
  }
  if (c.production && c.notify_push_allow_http_loopback) {
    return make_error("config_invalid", "notify.push_allow_http_loopback is for tests only");
  }
  if (c.payments_provider != "sandbox" && c.payments_provider != "stripe") {
    return make_error("config_invalid", "payments.provider must be sandbox or stripe");
  }
  if (c.payments_fee_basis_points < 0 || c.payments_fee_basis_points > 10'000) {
    return make_error("config_invalid", "payments.fee_basis_points must be 0..10000");
  }
  if (c.payments_min_tip_cents < 1 || c.payments_max_tip_cents < c.payments_min_tip_cents ||
      c.payments_max_tip_cents > 100'000'000) {
    return make_error("config_invalid",
                      "payments: 1 <= min_tip_cents <= max_tip_cents <= 100000000");
  }
  // Stripe's smallest charge is about 50 cents; a stream's price is at most 1,000,000.
  if (c.payments_min_ticket_cents < 50 ||
      c.payments_max_ticket_cents < c.payments_min_ticket_cents ||
      c.payments_max_ticket_cents > 1'000'000) {
    return make_error("config_invalid",
                      "payments: 50 <= min_ticket_cents <= max_ticket_cents <= 1000000");
  }
  if (c.payments_currency.size() != 3 ||
      !std::all_of(c.payments_currency.begin(), c.payments_currency.end(),
                   [](char ch) { return ch >= 'a' && ch <= 'z'; })) {
    return make_error("config_invalid", "payments.currency must be 3 lowercase letters (usd)");
  }
  if (c.payments_stripe_timeout_ms < 100) {
    return make_error("config_invalid", "payments.stripe_timeout_ms must be >= 100");
  }
  return {};
}

std::string toml_value(Config& c, const Key& k) {
  Value v = k.field(c);
  if (auto* s = std::get_if<std::string*>(&v)) {
    if (k.secret && !(*s)->empty()) return "\"***\"";
    toml::value<std::string> tv(**s);
    std::ostringstream os;
    os << tv;
    return os.str();
  }
  if (auto* i = std::get_if<int64_t*>(&v)) return std::to_string(**i);
  if (auto* b = std::get_if<bool*>(&v)) return **b ? "true" : "false";
  auto* l = std::get<std::vector<std::string>*>(v);
  std::string out = "[";
  for (size_t n = 0; n < l->size(); ++n) {
    toml::value<std::string> tv((*l)[n]);
    std::ostringstream os;
    os << tv;
    out += (n ? ", " : "") + os.str();
  }
  return out + "]";
}

}  // namespace

Result<LoadedConfig> load_config(int argc, const char* const* argv,
                                 const std::vector<std::string>& env) {
  LoadedConfig out;
  // Flags are collected first so that --config names the file, but applied last.
  std::vector<std::pair<const Key*, std::string>> flags;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      out.show_help = true;
      continue;
    }
    if (arg == "--print-config") {
      out.print_config = true;
      continue;
    }
    if (!arg.starts_with("--")) {
      return make_error("config_invalid", fmt::format("unexpected argument '{}'", arg));
    }
    std::string_view body = arg.substr(2);
    std::string name;
    std::string value;
    const size_t eq = body.find('=');
    if (eq != std::string_view::npos) {
      name = std::string(body.substr(0, eq));
      value = std::string(body.substr(eq + 1));
    } else {
      name = std::string(body);
      if (i + 1 >= argc)
        return make_error("config_invalid", fmt::format("--{} needs a value", name));
      value = argv[++i];
    }
    if (name == "config") {
      out.config_file = value;
    } else if (name == "ports-file") {
      out.ports_file = value;
    } else if (const Key* k = find_key(name)) {
      flags.emplace_back(k, value);
    } else {
      return make_error("config_unknown_key", fmt::format("unknown flag '--{}'", name));
    }
  }

  std::string env_config_file;
  for (const std::string& entry : env) {
    if (entry.starts_with("STAGECAST_CONFIG=")) env_config_file = entry.substr(17);
  }
  if (out.config_file.empty()) out.config_file = env_config_file;
  if (!out.config_file.empty()) {
    if (auto r = apply_toml_file(out.config, out.config_file); !r) return r.error();
  }

  for (const std::string& entry : env) {
    if (!entry.starts_with("STAGECAST_") || entry.starts_with("STAGECAST_CONFIG=")) continue;
    const size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = entry.substr(0, eq);
    const Key* match = nullptr;
    for (const Key& k : kKeys) {
      if (env_name(k) == name) match = &k;
    }
    if (!match) {
      return make_error("config_unknown_key",
                        fmt::format("unknown environment variable '{}'", name));
    }
    if (auto r = set_from_text(out.config, *match, std::string_view(entry).substr(eq + 1), name);
        !r) {
      return r.error();
    }
  }

  for (const auto& [k, value] : flags) {
    if (auto r = set_from_text(out.config, *k, value, std::string("--") + k->name); !r) {
      return r.error();
    }
  }
  if (auto r = validate(out.config); !r) return r.error();
  return out;
}

std::string render_config(const Config& config) {
  Config copy = config;
  std::string out;
  std::string section;
  for (const Key& k : kKeys) {
    const std::string_view name = k.name;
    const std::string sec(name.substr(0, name.find('.')));
    if (sec != section) {
      out += (section.empty() ? "" : "\n") + ("[" + sec + "]\n");
      section = sec;
    }
    out += std::string(name.substr(name.find('.') + 1)) + " = " + toml_value(copy, k) + "\n";
  }
  return out;
}

std::string config_help() {
  std::string out =
      "usage: stagecast [--config FILE] [--print-config] [--ports-file FILE] [--section.key=VALUE "
      "...]\n\n"
      "Precedence: defaults < TOML file < STAGECAST_SECTION_KEY environment < flags.\n\nKeys:\n";
  for (const Key& k : kKeys) {
    out += fmt::format("  --{:<34} {}\n", k.name, k.help);
  }
  return out;
}

std::string store_url_of(const Config& config) {
  if (!config.store_url.empty()) return config.store_url;
  return "sqlite://" + std::filesystem::absolute(config.data_dir).string() + "/stagecast.db";
}

}  // namespace stagecast::app
