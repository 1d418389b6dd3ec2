#pragma once
// A WebSocket client for tests on Boost.Beast (RFC 6455 client side: masked frames, close
// handshake), independent of the server's code in net/. It keeps one read outstanding and queues
// what arrives, so a test can wait for an event with a deadline; `batch` frames are unwrapped
// into their events.

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace stagecast::realtime::testing {

class WsTestClient {
 public:
  WsTestClient();
  ~WsTestClient();

  // Connects and completes the handshake; false on failure.
  bool connect(uint16_t port, const std::string& path = "/ws");
  void send(const std::string& text);
  void send_json(const nlohmann::json& event) { send(event.dump()); }
  void send_binary(const std::string& bytes);

  // The next event (batches unwrapped), or nullopt when none came in time or the peer closed.
  std::optional<nlohmann::json> next(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The first queued (or next arriving) event of `type`; events of other types stay queued.
  std::optional<nlohmann::json> next_of(
      const std::string& type, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Events of `type` arriving within `window` (for "nothing came" checks).
  std::vector<nlohmann::json> collect(const std::string& type, std::chrono::milliseconds window);

  // Waits for the server to close; returns its close code (0 when it did not close in time).
  uint16_t wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  bool closed() const { return closed_; }
  void close();

  // Raw text frames received (each frame once, before unwrapping).
  size_t frames() const { return frames_; }
  size_t largest_frame() const { return largest_frame_; }

 private:
  void read_next();
  bool pump_until(const std::function<bool()>& done, std::chrono::milliseconds timeout);

  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  std::deque<nlohmann::json> events_;
  bool closed_ = false;
  bool reading_ = false;
  uint16_t close_code_ = 0;
  size_t frames_ = 0;
  size_t largest_frame_ = 0;
};

}  // namespace stagecast::realtime::testing
