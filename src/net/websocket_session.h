#pragma once
// A server-side WebSocket connection (RFC 6455) on Boost.Beast. Internal to net/: others see
// WebSocketConnection. Writes go through a bounded queue on the connection's own thread; the
// same shared bytes may sit in thousands of queues at once (one serialisation per broadcast).

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <memory>
#include <string>

#include "core/metrics.h"
#include "net/maybe_tls_stream.h"
#include "net/websocket.h"

namespace stagecast::net {

class WebSocketSession final : public WebSocketConnection,
                               public std::enable_shared_from_this<WebSocketSession> {
 public:
  // `stream`: plain (ws) or TLS with its handshake done (wss).
  WebSocketSession(MaybeTlsStream<boost::beast::tcp_stream> stream, std::string remote, uint64_t id,
                   WebSocketOptions options, MetricsRegistry& metrics);
  ~WebSocketSession() override;

  // Asks the acceptor and completes the handshake; true when the connection is open (then run
  // read_loop()). Two coroutines, so that an idle connection keeps only the read loop's frame,
  // not the handshake's (memory per connection is what a 10,000-viewer room costs).
  boost::asio::awaitable<bool> handshake(
      boost::beast::http::request<boost::beast::http::string_body> upgrade, const Request& request,
      const WebSocketAcceptor& acceptor);
  // Reads until the connection closes.
  boost::asio::awaitable<void> read_loop();
  // Drops the handlers (they hold the application's side of the connection, which holds this):
  // for a connection whose coroutines are destroyed unfinished, with their io_context.
  void release_handlers() { handlers_ = {}; }

  bool send(std::shared_ptr<const std::string> text) override;
  void close(CloseCode code, std::string reason) override;
  const std::string& remote_address() const override { return remote_; }
  uint64_t id() const override { return id_; }

 private:
  void enqueue(std::shared_ptr<const std::string> text);  // on the connection's thread
  void write_next();
  void do_close(CloseCode code, std::string reason);
  void release_queue();

  boost::beast::websocket::stream<MaybeTlsStream<boost::beast::tcp_stream>> ws_;
  std::string remote_;
  uint64_t id_;
  WebSocketOptions options_;
  MetricsRegistry& metrics_;
  // The io_context the socket runs on (null if its executor is something else): a send from its
  // own thread is queued at once, without a post.
  boost::asio::io_context* home_ = nullptr;
  WebSocketHandlers handlers_;

  // Touched only on the connection's thread.
  std::deque<std::shared_ptr<const std::string>> queue_;
  bool open_ = false;  // handshake done, not closing
  bool writing_ = false;
  bool close_pending_ = false;
  CloseCode pending_code_ = CloseCode::Normal;
  std::string pending_reason_;

  // Accounted by send() on any thread to enforce the bound without a lock.
  std::atomic<size_t> queued_messages_{0};
  std::atomic<size_t> queued_bytes_{0};
  std::atomic<bool> closed_{false};
  std::atomic<bool> too_slow_{false};  // its queue overflowed once: closing, nothing more queued
};

}  // namespace stagecast::net
