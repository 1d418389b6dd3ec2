#pragma once
// The HTTP server on Boost.Beast, plain and over TLS (docs/operations.md, "TLS"): one coroutine
// per connection on one io_context; body size limit (413), header and idle timeouts, routing,
// offloading of blocking handlers to the worker pool, an access log without query strings (they
// may carry tokens), WebSocket upgrades (ws and wss). HTTP/2 on the same ports: with prior
// knowledge (h2c) on the plain port, and by ALPN "h2" on the TLS port; such a connection is
// served by serve_http2() (http2_connection.h) with the same routes and limits.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/metrics.h"
#include "core/worker_pool.h"
#include "net/io_pool.h"
#include "net/router.h"
#include "net/tls_credentials.h"
#include "net/websocket.h"

namespace stagecast::net {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 = ephemeral
  size_t body_limit = 1024 * 1024;
  size_t header_limit = 16 * 1024;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds request_timeout{30'000};  // whole-request budget for body reads
  size_t max_connections = 20'000;
  bool access_log = true;
  // HTTP/2 cleartext with prior knowledge (RFC 9113 3.3) on this port; HTTP/1.1 clients never
  // send the preface, so they are unaffected.
  bool h2c = true;
  uint32_t h2_max_concurrent_streams = 128;
  std::string server_name = "stagecast";
  // HTTPS (and WSS) on a second listener beside the plain one, with the same routes and
  // WebSocket paths; off while `tls` is null.
  std::shared_ptr<TlsCredentials> tls;
  uint16_t tls_port = 8443;  // 0 = ephemeral
  // From accept to a completed TLS handshake; a client that never finishes is closed.
  std::chrono::milliseconds tls_handshake_timeout{10'000};
  // TLS handshakes in flight from one source address; past it a new connection is closed at once
  // (one client cannot hold every slot with half-open handshakes).
  size_t tls_max_handshakes_per_address = 64;
  // Offer "h2" in ALPN on the TLS port; a connection that negotiates it is handed to the HTTP/2
  // server (see HttpServer::Impl::session). Off: ALPN offers "http/1.1" only.
  bool http2 = false;
};

class HttpServer {
 public:
  HttpServer(IoPool& io, WorkerPool& workers, const Router& router, MetricsRegistry& metrics,
             HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void set_websocket(std::string path, WebSocketAcceptor acceptor, WebSocketOptions options = {});

  // Binds and starts accepting (both listeners when TLS is set); throws on bind failure (a
  // start-up error).
  void start();
  void stop();
  uint16_t port() const;
  uint16_t tls_port() const;  // 0 without TLS

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace stagecast::net
