#pragma once
// The plain (not TLS) HTTP/1.1 path of http_server.cpp, for its connection loop: the response
// header serialized by hand, the gather buffers of one response, the watchdog that keeps a
// connection's timeouts, the request header read straight from the socket, and the Request the
// handlers see. See docs/hls.md, "Delivery capacity".

#include <array>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_message.h"

namespace stagecast::net {

// The status line and header fields of a response (RFC 9112 4, 5): what Beast's serializer wrote
// before, without its field container. Framing fields are the server's: a handler's
// Content-Length, Transfer-Encoding or Connection is not written. HTTP/1.1 says "Connection:
// close" when the connection ends after this response; HTTP/1.0 says "Connection: keep-alive"
// when it does not (RFC 9112 9.3). The preset's fields follow `headers` (a name in both is sent
// once, from `headers`).
void append_response_head(std::string& out, int status, unsigned version, std::string_view server,
                          const HeaderMap& headers, const PresetHeaders* preset, bool keep_alive,
                          std::optional<size_t> content_length);

// The buffers of one response: the header and up to a few body pieces inline, more (a segment
// written as its parts) on the heap.
class GatherBuffers {
 public:
  void push_back(boost::asio::const_buffer b) {
    if (!more_.empty() || size_ == inline_.size()) {
      if (more_.empty()) more_.assign(inline_.begin(), inline_.begin() + size_);
      more_.push_back(b);
      return;
    }
    inline_[size_++] = b;
  }
  const boost::asio::const_buffer* begin() const {
    return more_.empty() ? inline_.data() : more_.data();
  }
  const boost::asio::const_buffer* end() const {
    return more_.empty() ? inline_.data() + size_ : more_.data() + more_.size();
  }

 private:
  std::array<boost::asio::const_buffer, 4> inline_{};
  size_t size_ = 0;
  std::vector<boost::asio::const_buffer> more_;
};

// The timeouts of a plain HTTP/1.1 connection: one timer that closes the socket when the
// connection's deadline passes. Moving the deadline later (every request does: the idle timeout
// from its end) costs no timer operation: the armed wait fires, sees the later deadline and waits
// again; only an earlier deadline re-arms it. Beast's tcp_stream instead starts and cancels a
// timer around every read and write. One I/O thread: no locking.
class Watchdog : public std::enable_shared_from_this<Watchdog> {
 public:
  using Clock = std::chrono::steady_clock;
  explicit Watchdog(boost::asio::ip::tcp::socket& socket)
      : timer_(socket.get_executor()), socket_(&socket) {}

  void expires_after(std::chrono::milliseconds d) { set(Clock::now() + d); }
  void expires_never() { deadline_ = Clock::time_point::max(); }
  // The connection is done with its socket (closed, or handed to a WebSocket): never touch it.
  void stop() {
    socket_ = nullptr;
    timer_.cancel();
  }

 private:
  void set(Clock::time_point deadline) {
    deadline_ = deadline;
    if (deadline >= armed_) return;  // the armed wait fires first and looks again
    armed_ = deadline;
    timer_.expires_at(deadline);  // cancels the wait in flight, if any
    wait();
  }
  void wait() {
    timer_.async_wait([self = shared_from_this(), armed = armed_](boost::system::error_code ec) {
      // Cancelled (re-armed or stopped), or a completion that a re-arm overtook.
      if (ec || !self->socket_ || self->armed_ != armed) return;
      self->armed_ = Clock::time_point::max();
      if (self->deadline_ == Clock::time_point::max()) return;
      if (self->deadline_ > Clock::now()) {
        self->set(self->deadline_);
        return;
      }
      // Timed out: the operation in flight ends with operation_aborted and the connection closes.
      boost::system::error_code ignored;
      self->socket_->close(ignored);
    });
  }

  boost::asio::steady_timer timer_;
  boost::asio::ip::tcp::socket* socket_;
  Clock::time_point armed_ = Clock::time_point::max();
  Clock::time_point deadline_ = Clock::time_point::max();
};

// A request header read straight from a plain socket into `buffer` and fed to `parser`, with the
// outcomes of http::async_read_header (end_of_stream when the peer closed between requests,
// partial_message within one, the parser's errors) without the layers of composed operations and
// the timer that Beast's stream puts around every read.
boost::asio::awaitable<boost::system::error_code> read_header_plain(
    boost::asio::ip::tcp::socket& socket, boost::beast::flat_buffer& buffer,
    boost::beast::http::request_parser<boost::beast::http::string_body>& parser);

// `buffers` without their first `n` bytes.
std::vector<boost::asio::const_buffer> after_bytes(const GatherBuffers& buffers, size_t n);

// The transport-neutral request of a parsed HTTP/1.1 message: path percent-decoded, query
// parsed, header names lowercased (repeated fields joined with ", ").
Request to_request(const boost::beast::http::request<boost::beast::http::string_body>& msg,
                   const std::string& remote);

}  // namespace stagecast::net
