#pragma once
// One RTMP connection: handshake, chunk stream, the publish command flow (Adobe RTMP
// specification 1.0, 7.2.1 NetConnection and 7.2.2 NetStream commands) and the media path into
// the stream's hub. The same session serves RTMP and RTMPS (RTMP inside TLS): only its stream
// differs, and a TLS one begins with the TLS handshake, under the RTMP handshake's timeout. Runs on
// one strand for its whole life; public entry points are thread-safe.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "core/metrics.h"
#include "ingest/live_stream_registry.h"
#include "ingest/publish_authorizer.h"
#include "ingest/rtmp/rtmp_chunk_reader.h"
#include "ingest/rtmp/rtmp_chunk_writer.h"
#include "ingest/rtmp/rtmp_command.h"
#include "ingest/rtmp/rtmp_media_demuxer.h"
#include "ingest/rtmp/rtmp_server.h"
#include "net/maybe_tls_stream.h"

namespace stagecast::ingest::rtmp {

struct RtmpMetrics {
  explicit RtmpMetrics(MetricsRegistry& m);
  Counter& tls_handshake_failures(std::string_view reason);  // RTMPS
  MetricsRegistry& registry;
  Counter& connections;
  Gauge& connections_active;
  Counter& publishes;
  Counter& rejected_keys;
  Counter& rejected_busy;
  Counter& bytes_in;
  Counter& video_frames;
  Counter& audio_frames;
  Counter& protocol_errors;
  Counter& timeouts;
  Counter& refused_per_address;  // admission: the source address has too many pending
  Counter& refused_full;         // admission: every slot holds a publisher
  Counter& shed;                 // admission: the oldest pending connection closed for a new one
};

class RtmpSession final : public IngestPublisher, public std::enable_shared_from_this<RtmpSession> {
 public:
  // `owner` keeps what `options` and `metrics` live in alive as long as the session (a session
  // can outlive the server object inside a stopped io_context's queue).
  using Stream = net::MaybeTlsStream<boost::asio::ip::tcp::socket>;
  RtmpSession(std::shared_ptr<const void> owner, Stream stream, uint64_t id,
              const RtmpServerOptions& options, PublishAuthorizer& authorizer,
              LiveStreamRegistry& registry, RtmpMetrics& metrics,
              std::function<void(uint64_t)> on_closed, std::function<void(uint64_t)> on_published);
  ~RtmpSession() override;

  void start();
  // Any thread: closes the connection (a server stop, an ended stream).
  void disconnect(const std::string& reason) override;

 private:
  enum class State { Handshake, Connected, Authorizing, Publishing, Closing, Closed };
  using Clock = std::chrono::steady_clock;

  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> watchdog();
  void handle_message(RtmpMessage& m);
  void handle_command(const RtmpCommand& cmd, uint32_t stream_id);
  void handle_publish(const RtmpCommand& cmd, uint32_t stream_id);
  void on_authorized(Result<PublishGrant> grant);
  void handle_media(const RtmpMessage& m);
  void handle_aggregate(const RtmpMessage& m);
  void stop_publishing();
  void send_command(uint32_t stream_id, const Bytes& payload);
  void send_raw(Bytes bytes);
  void start_write();
  void refuse_publish(const std::string& code, const std::string& description);
  void finish(const std::string& reason);  // flush what is queued, then close
  void close_now();
  void count_media_error(const Error& e);

  std::shared_ptr<const void> owner_;  // first member: destroyed last
  Stream stream_;
  boost::asio::steady_timer watchdog_timer_;
  const uint64_t id_;
  const RtmpServerOptions& options_;
  PublishAuthorizer& authorizer_;
  LiveStreamRegistry& registry_;
  RtmpMetrics& metrics_;
  std::function<void(uint64_t)> on_closed_;
  std::function<void(uint64_t)> on_published_;
  Clock::time_point accepted_at_;
  bool published_once_ = false;  // admission counts it as a publisher from then on
  std::string remote_;

  State state_ = State::Handshake;
  RtmpChunkReader reader_;
  RtmpChunkWriter writer_;
  RtmpMediaDemuxer demuxer_;
  std::unique_ptr<PublishLease> lease_;

  std::string app_;
  uint32_t next_stream_id_ = 1;
  uint32_t publish_stream_id_ = 0;
  uint64_t bytes_received_ = 0;
  uint64_t last_ack_at_ = 0;
  uint32_t peer_window_ = 0;
  Clock::time_point last_activity_;
  Clock::time_point authorize_deadline_;
  uint64_t auth_generation_ = 0;
  uint64_t media_errors_ = 0;
  uint64_t dropped_before_publish_ = 0;

  std::deque<Bytes> write_queue_;
  size_t write_queue_bytes_ = 0;
  bool writing_ = false;
};

}  // namespace stagecast::ingest::rtmp
