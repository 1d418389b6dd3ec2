#pragma once
// The surface of a WebSocket connection for code outside net/ (realtime/): send shared
// serialised bytes, receive text messages, close with a code. The connection's write queue is
// bounded; when a slow reader lets it fill, the connection is closed (policy) instead of
// buffering without bound.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "net/http_message.h"

namespace stagecast::net {

// RFC 6455 7.4.1 close codes used by the server.
enum class CloseCode : uint16_t {
  Normal = 1000,
  GoingAway = 1001,
  ProtocolError = 1002,
  UnsupportedData = 1003,  // binary frames on a text protocol
  PolicyViolation = 1008,
  TooBig = 1009,
  InternalError = 1011,
  TryAgainLater = 1013,
};

struct WebSocketOptions {
  size_t max_message_bytes = 8 * 1024;
  size_t max_queued_messages = 256;
  size_t max_queued_bytes = 1024 * 1024;
  int idle_timeout_seconds = 60;  // pings keep a healthy connection alive
};

class WebSocketConnection {
 public:
  virtual ~WebSocketConnection() = default;

  // Thread-safe. Returns false when the message was not queued (queue full: the connection is
  // being closed as too slow, or already closed).
  virtual bool send(std::shared_ptr<const std::string> text) = 0;
  // Thread-safe.
  virtual void close(CloseCode code, std::string reason) = 0;
  virtual const std::string& remote_address() const = 0;
  virtual uint64_t id() const = 0;
};

struct WebSocketHandlers {
  // Called on the connection's I/O thread, one message at a time. Must not block.
  std::function<void(const std::string& text)> on_message;
  std::function<void(CloseCode code)> on_close;
};

// Decides at upgrade time: returns handlers to accept, or sets `reject` to refuse the upgrade
// with an HTTP response (401, 403, 429...). Runs on the I/O thread: must not block.
using WebSocketAcceptor = std::function<WebSocketHandlers(
    std::shared_ptr<WebSocketConnection> connection, const Request& upgrade, Response* reject,
    bool* rejected)>;

}  // namespace stagecast::net
