#include "net/http_server.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <charconv>
#include <map>
#include <mutex>
#include <optional>
#include <tuple>
#include <utility>

#include "net/http1_plain.h"
#include "net/http2_connection.h"
#include "net/http_dispatch.h"
#include "net/http_framing.h"
#include "net/maybe_tls_stream.h"
#include "net/url.h"
#include "net/websocket_session.h"

namespace stagecast::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Stream = MaybeTlsStream<beast::tcp_stream>;

namespace {

constexpr auto kUseAwaitable = asio::as_tuple(asio::use_awaitable);

// TLS handshakes in flight per source address. Shared with the connections' coroutines (which
// may outlive the server object, as the connection count does).
struct HandshakeCounts {
  std::mutex mu;
  std::map<std::string, size_t> by_address;
};

}  // namespace

struct HttpServer::Impl {
  Impl(IoPool& io_, WorkerPool& workers_, const Router& router_, MetricsRegistry& metrics_,
       HttpServerOptions options_)
      : io(io_),
        workers(workers_),
        router(router_),
        metrics(metrics_),
        options(std::move(options_)),
        open_connections(metrics.gauge("stagecast_http_connections", "Open HTTP connections")),
        dispatcher(workers, router, metrics, options.access_log) {}

  IoPool& io;
  WorkerPool& workers;
  const Router& router;
  MetricsRegistry& metrics;
  HttpServerOptions options;
  Gauge& open_connections;
  HttpDispatcher dispatcher;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<tcp::acceptor> tls_acceptor;
  std::shared_ptr<HandshakeCounts> handshakes = std::make_shared<HandshakeCounts>();
  std::string ws_path;
  WebSocketAcceptor ws_acceptor;
  WebSocketOptions ws_options;
  // Shared with the connections' coroutines: a frame still pending when the server is destroyed
  // is destroyed later, with its io_context, and must not reach into a freed Impl.
  std::shared_ptr<std::atomic<int64_t>> connections = std::make_shared<std::atomic<int64_t>>(0);
  std::atomic<uint64_t> next_ws_id{1};

  asio::awaitable<void> accept_loop(tcp::acceptor& from, bool tls);
  asio::awaitable<void> session(tcp::socket socket, bool tls);
  // The HTTP/2 limits from this server's options (also for the TLS path's ALPN "h2").
  Http2ServeOptions h2_options() const {
    Http2ServeOptions o;
    o.session.max_concurrent_streams = options.h2_max_concurrent_streams;
    o.session.header_list_limit = options.header_limit;
    o.session.body_limit = options.body_limit;
    o.session.connection_body_limit = 4 * options.body_limit;
    o.session.server_name = options.server_name;
    o.idle_timeout = options.idle_timeout;
    o.write_timeout = options.request_timeout;
    return o;
  }
  // Reads until the first bytes either differ from the HTTP/2 preface (HTTP/1.1: they stay in
  // the buffer for the parser) or complete it. False when the connection ended meanwhile.
  static asio::awaitable<bool> sniff_preface(Stream& stream, beast::flat_buffer& buffer, bool& is_h2);

  // One open connection in the count (max_connections, the gauge) for as long as it lives; moves
  // with the connection from the HTTP session to the WebSocket coroutines.
  class ConnectionSlot {
   public:
    explicit ConnectionSlot(Impl* impl)
        : count_(impl->connections), gauge_(&impl->open_connections) {
      count_->fetch_add(1);
      gauge_->add(1);
    }
    ConnectionSlot(ConnectionSlot&& other) noexcept
        : count_(std::move(other.count_)), gauge_(std::exchange(other.gauge_, nullptr)) {}
    ConnectionSlot(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(ConnectionSlot&&) = delete;
    ~ConnectionSlot() {
      if (!count_) return;
      count_->fetch_sub(1);
      gauge_->add(-1);  // the metrics registry outlives the server and its I/O threads
    }

   private:
    std::shared_ptr<std::atomic<int64_t>> count_;
    Gauge* gauge_;
  };
  // The session as its coroutines hold it. A coroutine destroyed unfinished (its io_context
  // destroyed while it waited, or before it started) drops the session's handlers, which hold
  // the application's side of the connection, which holds the session: no cycle outlives it.
  class WebSocketHold {
   public:
    explicit WebSocketHold(std::shared_ptr<WebSocketSession> ws) : ws_(std::move(ws)) {}
    WebSocketHold(WebSocketHold&&) noexcept = default;
    WebSocketHold(const WebSocketHold&) = delete;
    WebSocketHold& operator=(const WebSocketHold&) = delete;
    WebSocketHold& operator=(WebSocketHold&&) = delete;
    ~WebSocketHold() {
      if (ws_) ws_->release_handlers();
    }
    WebSocketSession* operator->() const { return ws_.get(); }

   private:
    std::shared_ptr<WebSocketSession> ws_;
  };
  // An upgraded connection: the handshake, then (in a coroutine of its own, so that the
  // handshake's frame is freed) the read loop.
  asio::awaitable<void> websocket(WebSocketHold ws, http::request<http::string_body> upgrade,
                                  Request request, ConnectionSlot slot);
  static asio::awaitable<void> websocket_reads(WebSocketHold ws, ConnectionSlot slot);
  Counter& bad_requests() {
    return metrics.counter(
        "stagecast_http_bad_requests_total",
        "Requests refused as malformed or ambiguously framed (RFC 9112 6.3), connection closed");
  }
  // The header of `response` serialized into `header` (no per-field allocations) and the buffers
  // of header and body (the shared bytes every viewer gets, never copied), for one gather write:
  // one sendmsg per response. `first_piece`: a streamed body's first piece, already read.
  // Returns the body size.
  size_t response_buffers(std::string& header, GatherBuffers& buffers, const Response& response,
                          const std::vector<uint8_t>* first_piece, bool head, unsigned version,
                          bool keep_alive) const;
  // With a watchdog, a plain connection's response is written at once where the socket takes
  // it (see http1); else under the stream's request timeout.
  asio::awaitable<bool> write_response(Stream& stream, const Request& request, Response response,
                                       unsigned version, bool keep_alive,
                                       Watchdog* watchdog = nullptr);
  // The pieces of a streamed body after the first (offset: the bytes already written), under
  // the watchdog on a plain connection, else the stream's own timeout.
  asio::awaitable<boost::system::error_code> write_streamed_rest(
      Stream& stream, std::shared_ptr<const StreamedBody> body, uint64_t offset,
      Watchdog* watchdog);
  // Requests until the connection closes; true when it was upgraded to a WebSocket instead,
  // which took the stream and the slot.
  asio::awaitable<bool> http1(Stream& stream, const std::string& remote, ConnectionSlot& slot);
  // The TLS handshake of a new connection on the TLS port; false when it failed (answered if it
  // was plain HTTP, then closed).
  asio::awaitable<bool> tls_handshake(Stream& stream, const std::string& address);
};

asio::awaitable<void> HttpServer::Impl::accept_loop(tcp::acceptor& from, bool tls) {
  for (;;) {
    tcp::socket socket(io.next());
    auto [ec] = co_await from.async_accept(socket, kUseAwaitable);
    if (ec == asio::error::operation_aborted || !from.is_open()) co_return;
    if (ec) {
      // Out of descriptors and the like: back off briefly instead of spinning.
      spdlog::warn("http accept: {}", ec.message());
      asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
      co_await t.async_wait(kUseAwaitable);
      continue;
    }
    if (connections->load() >= static_cast<int64_t>(options.max_connections)) {
      metrics.counter("stagecast_http_rejected_connections_total", "Connections over the limit")
          .inc();
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    // Chat events and LL-HLS parts are small writes that must leave at once, not wait for the
    // ACK of the previous one (Nagle).
    boost::system::error_code nodelay_ec;
    socket.set_option(tcp::no_delay(true), nodelay_ec);
    auto ex = socket.get_executor();
    asio::co_spawn(ex, session(std::move(socket), tls), asio::detached);
  }
}

size_t HttpServer::Impl::response_buffers(std::string& header, GatherBuffers& buffers,
                                          const Response& response,
                                          const std::vector<uint8_t>* first_piece, bool head,
                                          unsigned version, bool keep_alive) const {
  const bool no_body = response.status == 204 || response.status == 304;
  const size_t body_size = response.body_size();
  append_response_head(header, response.status, version, options.server_name, response.headers,
                       response.preset, keep_alive,
                       no_body ? std::nullopt : std::optional<size_t>(body_size));
  buffers.push_back(asio::buffer(header));
  if (!head && !no_body && body_size > 0) {
    if (first_piece != nullptr) {
      buffers.push_back(asio::buffer(*first_piece));
    } else if (response.shared_body) {
      buffers.push_back(asio::buffer(*response.shared_body));
    } else if (!response.shared_pieces.empty()) {
      for (const auto& piece : response.shared_pieces) buffers.push_back(asio::buffer(*piece));
    } else {
      buffers.push_back(asio::buffer(response.body));
    }
  }
  return body_size;
}

asio::awaitable<bool> HttpServer::Impl::write_response(Stream& stream, const Request& request,
                                                       Response response, unsigned version,
                                                       bool keep_alive, Watchdog* watchdog) {
  const auto started = std::chrono::steady_clock::now();
  const bool head = request.method == "HEAD";
  const bool no_body = response.status == 204 || response.status == 304;
  // A streamed body's first piece is read before the header goes out, so that a store that
  // cannot give it still gets a clear status instead of a cut-short 200.
  std::shared_ptr<const std::vector<uint8_t>> first_piece;
  if (response.streamed && !head && !no_body && response.streamed->size > 0) {
    first_piece = co_await dispatcher.read_piece(response.streamed, 0);
    if (!first_piece) {
      response = Response::error(503, "storage_unavailable", "the file cannot be read now; retry");
    }
  }
  std::string header;
  GatherBuffers buffers;
  const size_t body_size =
      response_buffers(header, buffers, response, first_piece.get(), head, version, keep_alive);
  boost::system::error_code ec;
  if (watchdog != nullptr && !stream.is_tls()) {
    // Plain: written at once, without an asynchronous operation, when the socket takes it all
    // (almost always: a part or a playlist fits the socket buffer); the rest, if any, waits.
    auto& socket = beast::get_lowest_layer(stream).socket();
    const size_t total = asio::buffer_size(buffers);
    const size_t done = socket.write_some(buffers, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) ec = {};
    if (!ec && done < total) {
      watchdog->expires_after(options.request_timeout);
      std::tie(ec, std::ignore) =
          co_await asio::async_write(socket, after_bytes(buffers, done), kUseAwaitable);
    }
  } else {
    beast::get_lowest_layer(stream).expires_after(options.request_timeout);
    std::tie(ec, std::ignore) = co_await asio::async_write(stream, buffers, kUseAwaitable);
  }
  if (!ec && first_piece)
    ec = co_await write_streamed_rest(stream, response.streamed, first_piece->size(), watchdog);
  dispatcher.record(request, response.status, body_size,
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started),
                    "");
  co_return !ec;
}

asio::awaitable<boost::system::error_code> HttpServer::Impl::write_streamed_rest(
    Stream& stream, std::shared_ptr<const StreamedBody> body, uint64_t offset,
    Watchdog* watchdog) {
  // One piece in memory at a time: the next is read only after the socket took this one.
  while (offset < body->size) {
    auto piece = co_await dispatcher.read_piece(body, offset);
    // Cut short: the client sees fewer bytes than Content-Length and the connection close.
    if (!piece) co_return boost::system::errc::make_error_code(boost::system::errc::io_error);
    boost::system::error_code ec;
    if (watchdog != nullptr && !stream.is_tls()) {
      watchdog->expires_after(options.request_timeout);
      std::tie(ec, std::ignore) = co_await asio::async_write(
          beast::get_lowest_layer(stream).socket(), asio::buffer(*piece), kUseAwaitable);
    } else {
      beast::get_lowest_layer(stream).expires_after(options.request_timeout);
      std::tie(ec, std::ignore) =
          co_await asio::async_write(stream, asio::buffer(*piece), kUseAwaitable);
    }
    if (ec) co_return ec;
    offset += piece->size();
  }
  co_return boost::system::error_code{};
}

asio::awaitable<void> HttpServer::Impl::websocket(WebSocketHold ws,
                                                  http::request<http::string_body> upgrade,
                                                  Request request, ConnectionSlot slot) {
  const bool open = co_await ws->handshake(std::move(upgrade), request, ws_acceptor);
  if (!open) co_return;
  // (No co_await inside the argument list: GCC 12 mishandles temporaries around it.)
  auto ex = co_await asio::this_coro::executor;
  asio::co_spawn(ex, websocket_reads(std::move(ws), std::move(slot)), asio::detached);
}

asio::awaitable<void> HttpServer::Impl::websocket_reads(WebSocketHold ws, ConnectionSlot slot) {
  co_await ws->read_loop();
  (void)slot;  // held until the connection closes
}

asio::awaitable<bool> HttpServer::Impl::sniff_preface(Stream& stream, beast::flat_buffer& buffer,
                                                      bool& is_h2) {
  is_h2 = false;
  for (;;) {
    const std::string_view have(static_cast<const char*>(buffer.data().data()),
                                buffer.data().size());
    const size_t k = std::min(have.size(), kHttp2Preface.size());
    if (have.substr(0, k) != kHttp2Preface.substr(0, k)) co_return true;
    if (k == kHttp2Preface.size()) {
      is_h2 = true;
      co_return true;
    }
    auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), kUseAwaitable);
    if (ec) co_return false;
    buffer.commit(n);
  }
}

asio::awaitable<void> HttpServer::Impl::session(tcp::socket socket, bool tls) {
  ConnectionSlot slot(this);

  boost::system::error_code addr_ec;
  const auto endpoint = socket.remote_endpoint(addr_ec);
  const std::string address = addr_ec ? std::string("unknown") : endpoint.address().to_string();
  const std::string remote = addr_ec ? address : address + ":" + std::to_string(endpoint.port());
  if (!tls) {
    Stream stream(beast::tcp_stream(std::move(socket)));
    co_await http1(stream, remote, slot);
    co_return;
  }
  // The context current at accept: a certificate reload (SIGHUP) changes what later connections
  // get, never this one.
  Stream stream(beast::tcp_stream(std::move(socket)), options.tls->current());
  if (!co_await tls_handshake(stream, address)) co_return;
  if (negotiated_alpn(stream.tls()->native_handle()) == "h2") {
    // HTTP/2 (RFC 9113 3.2): ALPN offers "h2" only with options.http2.
    beast::get_lowest_layer(stream).expires_never();
    // Named arguments: GCC 12 destroys some temporaries in a co_await expression twice.
    Http2ServeOptions h2 = h2_options();
    std::string peer = remote;
    co_await serve_http2(std::move(stream), dispatcher, std::move(h2), std::move(peer),
                         std::string());
    co_return;
  }
  if (co_await http1(stream, remote, slot)) co_return;
  // A TLS connection ends with close_notify (RFC 8446 6.1), briefly waited for.
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
  co_await stream.async_tls_shutdown(kUseAwaitable);
}

asio::awaitable<bool> HttpServer::Impl::tls_handshake(Stream& stream, const std::string& address) {
  {
    std::lock_guard lock(handshakes->mu);
    size_t& n = handshakes->by_address[address];
    if (n >= options.tls_max_handshakes_per_address) {
      if (n == 0) handshakes->by_address.erase(address);
      metrics
          .counter("stagecast_tls_handshake_failures_total", "TLS handshakes that did not complete",
                   "port=\"https\",reason=\"per_address_limit\"")
          .inc();
      boost::system::error_code ignored;
      beast::get_lowest_layer(stream).socket().close(ignored);
      co_return false;
    }
    ++n;
  }
  set_alpn_offer(stream.tls()->native_handle(),
                 options.http2 ? AlpnOffer::H2AndHttp11 : AlpnOffer::Http11);
  beast::get_lowest_layer(stream).expires_after(options.tls_handshake_timeout);
  auto [ec] = co_await stream.async_handshake(kUseAwaitable);
  {
    std::lock_guard lock(handshakes->mu);
    auto it = handshakes->by_address.find(address);
    if (it != handshakes->by_address.end() && --it->second == 0) handshakes->by_address.erase(it);
  }
  if (!ec) co_return true;
  const char* reason = tls_handshake_failure(ec);
  metrics
      .counter("stagecast_tls_handshake_failures_total", "TLS handshakes that did not complete",
               std::string("port=\"https\",reason=\"") + reason + "\"")
      .inc();
  spdlog::debug("https {}: TLS handshake failed ({}): {}", address, reason, ec.message());
  auto& tcp_layer = beast::get_lowest_layer(stream);
  if (std::string_view(reason) == "plain_http") {
    // Plain HTTP sent to the TLS port: say so in plain HTTP (what a person who typed http://
    // sees), as a JSON error like every other.
    static const std::string kBody =
        R"({"error":{"code":"tls_required","message":"this port speaks HTTPS: use https://"}})";
    static const std::string kReply =
        "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nconnection: close\r\n"
        "content-length: " +
        std::to_string(kBody.size()) + "\r\n\r\n" + kBody;
    tcp_layer.expires_after(std::chrono::seconds(5));
    co_await asio::async_write(tcp_layer, asio::buffer(kReply), kUseAwaitable);
  }
  boost::system::error_code ignored;
  tcp_layer.socket().shutdown(tcp::socket::shutdown_both, ignored);
  tcp_layer.close();
  co_return false;
}

asio::awaitable<bool> HttpServer::Impl::http1(Stream& stream, const std::string& remote,
                                              ConnectionSlot& slot) {
  beast::flat_buffer buffer;

  if (options.h2c && !stream.is_tls()) {
    beast::get_lowest_layer(stream).expires_after(options.header_timeout);
    bool is_h2 = false;
    if (!co_await sniff_preface(stream, buffer, is_h2)) co_return false;
    if (is_h2) {
      std::string already = beast::buffers_to_string(buffer.data());
      beast::get_lowest_layer(stream).expires_never();
      // Named arguments: GCC 12 destroys some temporaries in a co_await expression twice.
      Http2ServeOptions h2 = h2_options();
      std::string peer = remote;
      co_await serve_http2(std::move(stream), dispatcher, std::move(h2), std::move(peer),
                           std::move(already));
      co_return true;
    }
  }

  // A plain connection reads its requests straight from the socket and writes its responses at
  // once where the socket takes them, under one watchdog timer (see Watchdog); TLS goes through
  // the stream and Beast's per-operation timeouts.
  std::shared_ptr<Watchdog> watchdog;
  if (!stream.is_tls()) {
    auto& tcp_layer = beast::get_lowest_layer(stream);
    tcp_layer.expires_never();
    boost::system::error_code nb_ec;
    tcp_layer.socket().non_blocking(true, nb_ec);
    watchdog = std::make_shared<Watchdog>(tcp_layer.socket());
  }
  // Sets the deadline of what follows (the watchdog's or the stream's).
  auto expires_after = [&](std::chrono::milliseconds d) {
    if (watchdog) {
      watchdog->expires_after(d);
    } else {
      beast::get_lowest_layer(stream).expires_after(d);
    }
  };
  // The ends of a connection that are no error worth answering.
  auto closed = [](const boost::system::error_code& ec) {
    return ec == http::error::end_of_stream || ec == beast::error::timeout ||
           ec == asio::error::eof || ec == asio::error::connection_reset ||
           ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor ||
           ec == asio::ssl::error::stream_truncated;  // TLS closed without close_notify
  };
  Watchdog* wd = watchdog.get();
  std::string head_buffer;  // the response header of the plain path, reused by every response

  for (bool first = true;; first = false) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(options.body_limit);
    parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
    expires_after(first ? options.header_timeout : options.idle_timeout);

    boost::system::error_code ec;
    size_t n = 0;
    if (watchdog) {
      ec = co_await read_header_plain(beast::get_lowest_layer(stream).socket(), buffer, parser);
    } else {
      std::tie(ec, n) = co_await http::async_read_header(stream, buffer, parser, kUseAwaitable);
    }
    if (ec) {
      if (ec == http::error::body_limit) {
        // Beast checks Content-Length against the limit as soon as the header is parsed.
        Request r = to_request(parser.get(), remote);
        co_await write_response(stream, r,
                                Response::error(413, "payload_too_large", "request body too large"),
                                11, false, wd);
      } else if (ec == http::error::header_limit) {
        Request r;
        r.remote_address = remote;
        co_await write_response(
            stream, r, Response::error(431, "headers_too_large", "request headers too large"), 11,
            false, wd);
      } else if (!closed(ec)) {
        bad_requests().inc();
        Request r;
        r.remote_address = remote;
        co_await write_response(stream, r,
                                Response::error(400, "bad_request", "malformed HTTP request"), 11,
                                false, wd);
      }
      break;
    }
    // No timeout while the request is handled (a blocking reload is held for seconds); reading
    // a body and writing the response set their own.
    if (watchdog) watchdog->expires_never();

    auto& header = parser.get();
    if (auto problem = framing_problem(header)) {
      // Answered and closed: the bytes after this header are never read as a request.
      bad_requests().inc();
      Request r = to_request(header, remote);
      co_await write_response(stream, r, Response::error(400, "bad_request", *problem),
                              header.version(), false, wd);
      break;
    }
    if (beast::websocket::is_upgrade(header) && !ws_path.empty() &&
        header.target().substr(0, header.target().find('?')) == ws_path) {
      Request upgrade = to_request(header, remote);
      if (watchdog) {
        watchdog->stop();
        boost::system::error_code nb_ec;
        beast::get_lowest_layer(stream).socket().non_blocking(false, nb_ec);
      }
      beast::get_lowest_layer(stream).expires_never();
      auto ws = std::make_shared<WebSocketSession>(std::move(stream), remote, next_ws_id++,
                                                   ws_options, metrics);
      // The connection goes on in coroutines of its own; this one (its HTTP buffers and
      // parser) ends here.
      auto ex = co_await asio::this_coro::executor;
      auto message = parser.release();
      asio::co_spawn(ex,
                     websocket(WebSocketHold(std::move(ws)), std::move(message), std::move(upgrade),
                               std::move(slot)),
                     asio::detached);
      co_return true;
    }

    if (parser.content_length() && *parser.content_length() > options.body_limit) {
      Request r = to_request(header, remote);
      co_await write_response(stream, r,
                              Response::error(413, "payload_too_large", "request body too large"),
                              header.version(), false, wd);
      break;
    }
    if (beast::iequals(header[http::field::expect], "100-continue")) {
      expires_after(options.request_timeout);
      http::response<http::empty_body> cont{http::status::continue_, header.version()};
      auto [wec, wn] = co_await http::async_write(stream, cont, kUseAwaitable);
      if (wec) break;
    }
    // A request without a body (every GET of a player) is complete with its header: no read
    // operation (and its posted completion) for nothing.
    if (!parser.is_done()) {
      expires_after(options.request_timeout);
      std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, kUseAwaitable);
      if (watchdog) watchdog->expires_never();
    }
    if (ec) {
      Request r = to_request(parser.get(), remote);
      if (ec == http::error::body_limit) {
        co_await write_response(stream, r,
                                Response::error(413, "payload_too_large", "request body too large"),
                                header.version(), false, wd);
      } else if (!closed(ec)) {
        co_await write_response(stream, r,
                                Response::error(400, "bad_request", "malformed HTTP request"),
                                header.version(), false, wd);
      }
      break;
    }

    const auto& msg = parser.get();
    Request request = to_request(msg, remote);
    const bool keep_alive = msg.keep_alive();
    // Answered at once (an HLS part or playlist from memory) without a coroutine of its own.
    Response response;
    HttpDispatcher::Pending pending;
    if (!dispatcher.dispatch_now(request, response, pending)) {
      response = co_await dispatcher.dispatch_rest(request, std::move(pending));
    }
    bool written = false;
    if (wd != nullptr && !response.streamed) {
      // Plain, a body in memory: the response is written here, into the connection's header
      // buffer, without the coroutine of write_response (which does the same).
      const auto started = std::chrono::steady_clock::now();
      head_buffer.clear();
      GatherBuffers buffers;
      const size_t body_size =
          response_buffers(head_buffer, buffers, response, nullptr, request.method == "HEAD",
                           msg.version(), keep_alive);
      auto& socket = beast::get_lowest_layer(stream).socket();
      const size_t total = asio::buffer_size(buffers);
      boost::system::error_code wec;
      const size_t done = socket.write_some(buffers, wec);
      if (wec == asio::error::would_block || wec == asio::error::try_again) wec = {};
      if (!wec && done < total) {
        wd->expires_after(options.request_timeout);
        std::tie(wec, std::ignore) =
            co_await asio::async_write(socket, after_bytes(buffers, done), kUseAwaitable);
      }
      dispatcher.record(request, response.status, body_size,
                        std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - started),
                        "");
      written = !wec;
    } else {
      written = co_await write_response(stream, request, std::move(response), msg.version(),
                                        keep_alive, wd);
    }
    if (!written || !keep_alive) break;
  }
  if (watchdog) watchdog->stop();
  if (!stream.is_tls()) {
    boost::system::error_code ignored;
    beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
  co_return false;
}

HttpServer::HttpServer(IoPool& io, WorkerPool& workers, const Router& router,
                       MetricsRegistry& metrics, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(io, workers, router, metrics, std::move(options))) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::set_websocket(std::string path, WebSocketAcceptor acceptor,
                               WebSocketOptions options) {
  impl_->ws_path = std::move(path);
  impl_->ws_acceptor = std::move(acceptor);
  impl_->ws_options = options;
}

void HttpServer::start() {
  auto& ctx = impl_->io.at(0);
  const tcp::endpoint endpoint(asio::ip::make_address(impl_->options.host), impl_->options.port);
  impl_->acceptor = std::make_unique<tcp::acceptor>(ctx);
  impl_->acceptor->open(endpoint.protocol());
  impl_->acceptor->set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor->bind(endpoint);
  impl_->acceptor->listen(asio::socket_base::max_listen_connections);
  asio::co_spawn(ctx, impl_->accept_loop(*impl_->acceptor, false), asio::detached);
  if (impl_->options.tls) {
    const tcp::endpoint tls_endpoint(asio::ip::make_address(impl_->options.host),
                                     impl_->options.tls_port);
    impl_->tls_acceptor = std::make_unique<tcp::acceptor>(ctx);
    impl_->tls_acceptor->open(tls_endpoint.protocol());
    impl_->tls_acceptor->set_option(asio::socket_base::reuse_address(true));
    impl_->tls_acceptor->bind(tls_endpoint);
    impl_->tls_acceptor->listen(asio::socket_base::max_listen_connections);
    asio::co_spawn(ctx, impl_->accept_loop(*impl_->tls_acceptor, true), asio::detached);
  }
}

void HttpServer::stop() {
  if (!impl_ || !impl_->acceptor) return;
  auto* acceptor = impl_->acceptor.get();
  auto* tls_acceptor = impl_->tls_acceptor.get();
  asio::post(acceptor->get_executor(), [acceptor, tls_acceptor] {
    boost::system::error_code ignored;
    acceptor->close(ignored);
    if (tls_acceptor) tls_acceptor->close(ignored);
  });
}

uint16_t HttpServer::port() const {
  return impl_->acceptor ? impl_->acceptor->local_endpoint().port() : 0;
}

uint16_t HttpServer::tls_port() const {
  return impl_->tls_acceptor ? impl_->tls_acceptor->local_endpoint().port() : 0;
}

}  // namespace stagecast::net
