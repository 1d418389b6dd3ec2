#pragma once
// The RTMP ingest server: accepts publishers (OBS, ffmpeg, librtmp clients), checks the stream key
// through a PublishAuthorizer before `publish` succeeds, and feeds each accepted stream's frames
// into its StreamHub through the LiveStreamRegistry. Play requests are refused: viewers use HLS.
//
// RTMPS: the same sessions behind TLS on a second port (RtmpServerOptions::tls).
//
// Each connection is bound to one of the given io_contexts for its whole life: the one with the
// fewest of this server's connections (net::ContextLoad), so that encoders spread over the I/O
// threads whatever order they came and went in.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "core/result.h"
#include "ingest/live_stream_registry.h"
#include "ingest/publish_authorizer.h"
#include "ingest/rtmp/rtmp_timestamps.h"
#include "net/tls_credentials.h"

namespace stagecast::ingest::rtmp {

struct RtmpServerOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 1935;        // 0 = ephemeral (tests): read port() after start()
  uint32_t chunk_size = 4096;  // what the server sends with; peers choose their own
  uint32_t max_message_size = 16 * 1024 * 1024;
  size_t max_chunk_streams = 64;
  size_t max_connections = 1000;
  // Connections that have not published yet (handshake, connect, key check) are what a flood
  // is made of: at most this many from one source address (past it the new one is refused), and
  // this many in all (past it, or past max_connections, the oldest of them is shed to admit the
  // new one, so a flood cannot keep a real publisher out). Publishing connections are never shed.
  size_t max_pending_per_address = 8;
  size_t max_pending = 256;
  // From accept to publishing: a connection that does not get there in time is closed.
  std::chrono::milliseconds publish_timeout = std::chrono::seconds(10);
  uint32_t window_ack_size = 2'500'000;
  size_t max_write_queue_bytes = 1024 * 1024;
  std::chrono::milliseconds handshake_timeout = std::chrono::seconds(5);
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(30);  // no byte from the peer
  std::chrono::milliseconds authorize_timeout = std::chrono::seconds(10);
  TimestampOptions timestamps;
  // RTMPS (RTMP inside TLS) on a second port beside the plain one, same host, same admission
  // limits and sessions; off while null. The TLS handshake counts against handshake_timeout.
  std::shared_ptr<net::TlsCredentials> tls;
  uint16_t tls_port = 1936;  // 0 = ephemeral
};

class RtmpSession;

class RtmpServer {
 public:
  // `authorizer`, `registry` and `metrics` must outlive the server; the io_contexts are run by
  // the caller (one thread each).
  RtmpServer(std::vector<boost::asio::io_context*> contexts, RtmpServerOptions options,
             PublishAuthorizer& authorizer, LiveStreamRegistry& registry, MetricsRegistry& metrics);
  ~RtmpServer();

  RtmpServer(const RtmpServer&) = delete;
  RtmpServer& operator=(const RtmpServer&) = delete;

  // Binds and listens. Error "rtmp_listen" when the address cannot be bound.
  Result<void> start();
  // Stops accepting and closes every connection (their streams enter the grace period).
  void stop();

  uint16_t port() const;
  uint16_t tls_port() const;  // 0 without RTMPS
  size_t connection_count() const;
  // Connections on the io_context at `index` of the constructor's list.
  size_t connections_on(size_t index) const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace stagecast::ingest::rtmp
