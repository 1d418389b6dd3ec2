#pragma once
// A server connection's byte stream, plain or TLS, behind one type: what the HTTP sessions, the
// WebSocket sessions and the RTMP sessions read and write, so that each protocol has one
// implementation for both ports. A tagged union, not a virtual interface: an operation costs one
// branch, no allocation. It models Asio's AsyncReadStream and AsyncWriteStream (Beast's HTTP and
// WebSocket code run on it), and `next_layer()` is the TCP layer in both cases, so
// beast::get_lowest_layer() reaches the socket (and a beast::tcp_stream's timeouts) either way.
//
// `NextLayer` is beast::tcp_stream (HTTP) or asio::ip::tcp::socket (RTMP).

#include <boost/asio/async_result.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <memory>
#include <utility>
#include <variant>

namespace stagecast::net {

template <class NextLayer>
class MaybeTlsStream {
 public:
  using next_layer_type = NextLayer;
  using tls_type = boost::asio::ssl::stream<NextLayer>;
  using executor_type = typename NextLayer::executor_type;

  // Plain.
  explicit MaybeTlsStream(NextLayer next) : v_(std::in_place_index<0>, std::move(next)) {}
  // TLS with `context` (the stream keeps it alive): call async_handshake() first.
  MaybeTlsStream(NextLayer next, std::shared_ptr<boost::asio::ssl::context> context)
      : context_(std::move(context)), v_(std::in_place_index<1>, std::move(next), *context_) {}

  MaybeTlsStream(MaybeTlsStream&&) noexcept = default;
  MaybeTlsStream& operator=(MaybeTlsStream&&) noexcept = default;

  bool is_tls() const { return v_.index() == 1; }
  // Null when plain.
  tls_type* tls() { return std::get_if<1>(&v_); }

  executor_type get_executor() {
    return std::visit([](auto& s) { return s.get_executor(); }, v_);
  }
  // The TCP layer under TLS, or the stream itself when plain.
  NextLayer& next_layer() {
    if (auto* t = tls()) return t->next_layer();
    return std::get<0>(v_);
  }
  const NextLayer& next_layer() const {
    if (const auto* t = std::get_if<1>(&v_)) return t->next_layer();
    return std::get<0>(v_);
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          std::visit([&](auto& s) { s.async_read_some(b, std::move(handler)); }, v_);
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          std::visit([&](auto& s) { s.async_write_some(b, std::move(handler)); }, v_);
        },
        token, buffers);
  }

  // The server side of the TLS handshake. Bytes already read from the socket (none, here)
  // would go through the buffered overload.
  template <class Token>
  auto async_handshake(Token&& token) {
    return std::get<1>(v_).async_handshake(boost::asio::ssl::stream_base::server,
                                           std::forward<Token>(token));
  }
  template <class Token>
  auto async_tls_shutdown(Token&& token) {
    return std::get<1>(v_).async_shutdown(std::forward<Token>(token));
  }

  template <class Stream>
  friend void teardown(boost::beast::role_type role, MaybeTlsStream<Stream>& s,
                       boost::system::error_code& ec);
  template <class Stream, class Handler>
  friend void async_teardown(boost::beast::role_type role, MaybeTlsStream<Stream>& s,
                             Handler&& handler);

 private:
  std::shared_ptr<boost::asio::ssl::context> context_;  // before v_: outlives the SSL object
  std::variant<NextLayer, tls_type> v_;
};

// The WebSocket closing handshake's transport teardown (RFC 6455 7.1.1), found by Beast through
// argument-dependent lookup: TLS close_notify first when TLS, then the TCP shutdown.
template <class Stream>
void teardown(boost::beast::role_type role, MaybeTlsStream<Stream>& s,
              boost::system::error_code& ec) {
  std::visit(
      [&](auto& inner) {
        using boost::beast::teardown;
        using boost::beast::websocket::teardown;
        teardown(role, inner, ec);
      },
      s.v_);
}

template <class Stream, class Handler>
void async_teardown(boost::beast::role_type role, MaybeTlsStream<Stream>& s, Handler&& handler) {
  std::visit(
      [&](auto& inner) {
        using boost::beast::async_teardown;
        using boost::beast::websocket::async_teardown;
        async_teardown(role, inner, std::forward<Handler>(handler));
      },
      s.v_);
}

}  // namespace stagecast::net
