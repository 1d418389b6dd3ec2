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
#include <tuple>
#include <utility>

#include "net/http_framing.h"
#include "net/url.h"
#include "net/websocket_session.h"

namespace stagecast::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kUseAwaitable = asio::as_tuple(asio::use_awaitable);

Response guarded_call(const Handler& handler, const Request& request) {
  try {
    return handler(request);
  } catch (const std::exception& e) {
    spdlog::error("http {} {}: handler threw: {}", request.method, request.path, e.what());
    return Response::error(500, "internal_error", "internal server error");
  }
}

// Runs a blocking handler on the worker pool and resumes the connection's coroutine on its own
// I/O thread with the response.
asio::awaitable<Response> offload(WorkerPool& pool, const Handler& handler, const Request& request) {
  auto ex = co_await asio::this_coro::executor;
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(Response)>(
      [&pool, &handler, &request, ex](auto completion) {
        auto done = std::make_shared<decltype(completion)>(std::move(completion));
        const bool posted = pool.post([done, &handler, &request, ex] {
          Response r = guarded_call(handler, request);
          asio::post(ex, [done, r = std::move(r)]() mutable { (*done)(std::move(r)); });
        });
        if (!posted) {
          asio::post(ex, [done] {
            (*done)(Response::error(503, "overloaded", "the server is busy, try again"));
          });
        }
      },
      asio::use_awaitable);
}

// Calls an async handler; its Respond may be invoked once, from any thread, at any later time.
asio::awaitable<Response> call_async(const AsyncHandler& handler, const Request& request) {
  auto ex = co_await asio::this_coro::executor;
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(Response)>(
      [&handler, &request, ex](auto completion) {
        auto done = std::make_shared<decltype(completion)>(std::move(completion));
        auto once = std::make_shared<std::atomic<bool>>(false);
        Respond respond = [done, once, ex](Response r) {
          if (once->exchange(true)) return;
          asio::post(ex, [done, r = std::move(r)]() mutable { (*done)(std::move(r)); });
        };
        try {
          handler(request, respond);
        } catch (const std::exception& e) {
          spdlog::error("http {} {}: async handler threw: {}", request.method, request.path,
                        e.what());
          respond(Response::error(500, "internal_error", "internal server error"));
        }
      },
      asio::use_awaitable);
}

Request to_request(const http::request<http::string_body>& msg, const std::string& remote) {
  Request r;
  r.method = std::string(msg.method_string());
  r.target = std::string(msg.target());
  const std::string_view target = msg.target();
  const size_t q = target.find('?');
  r.path = percent_decode(target.substr(0, q), false);
  if (q != std::string_view::npos) r.query = parse_query(target.substr(q + 1));
  for (const auto& field : msg) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto [it, inserted] = r.headers.emplace(std::move(name), std::string(field.value()));
    if (!inserted) it->second += ", " + std::string(field.value());
  }
  r.body = msg.body();
  r.remote_address = remote;
  return r;
}

std::string status_class(int status) { return std::to_string(status / 100) + "xx"; }

}  // namespace

struct HttpServer::Impl {
  Impl(IoPool& io_, WorkerPool& workers_, const Router& router_, MetricsRegistry& metrics_,
       HttpServerOptions options_)
      : io(io_),
        workers(workers_),
        router(router_),
        metrics(metrics_),
        options(std::move(options_)),
        open_connections(metrics.gauge("stagecast_http_connections", "Open HTTP connections")) {}

  IoPool& io;
  WorkerPool& workers;
  const Router& router;
  MetricsRegistry& metrics;
  HttpServerOptions options;
  Gauge& open_connections;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::string ws_path;
  WebSocketAcceptor ws_acceptor;
  WebSocketOptions ws_options;
  // Shared with the connections' coroutines: a frame still pending when the server is destroyed
  // is destroyed later, with its io_context, and must not reach into a freed Impl.
  std::shared_ptr<std::atomic<int64_t>> connections = std::make_shared<std::atomic<int64_t>>(0);
  std::atomic<uint64_t> next_ws_id{1};

  // Looked up once: the registry's lookup (a lock, a map, three strings) cost every request.
  std::array<Counter*, 6> requests_by_class = [this] {
    std::array<Counter*, 6> counters{};
    for (int c = 1; c <= 5; ++c) {
      counters[static_cast<size_t>(c)] =
          &metrics.counter("stagecast_http_requests_total", "HTTP requests by status class",
                           "code=\"" + status_class(c * 100) + "\"");
    }
    return counters;
  }();
  Counter& requests(int status) {
    const int c = status / 100;
    if (c >= 1 && c <= 5) return *requests_by_class[static_cast<size_t>(c)];
    return metrics.counter("stagecast_http_requests_total", "HTTP requests by status class",
                           "code=\"" + status_class(status) + "\"");
  }

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> session(tcp::socket socket);

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
  asio::awaitable<Response> dispatch(Request& request);
  Counter& bad_requests() {
    return metrics.counter(
        "stagecast_http_bad_requests_total",
        "Requests refused as malformed or ambiguously framed (RFC 9112 6.3), connection closed");
  }
  asio::awaitable<bool> write_response(beast::tcp_stream& stream, const Request& request,
                                       Response response, unsigned version, bool keep_alive);
};

asio::awaitable<void> HttpServer::Impl::accept_loop() {
  for (;;) {
    tcp::socket socket(io.next());
    auto [ec] = co_await acceptor->async_accept(socket, kUseAwaitable);
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
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
    asio::co_spawn(ex, session(std::move(socket)), asio::detached);
  }
}

asio::awaitable<Response> HttpServer::Impl::dispatch(Request& request) {
  if (request.method == "OPTIONS") {
    // A path with its own preflight (WHIP: Accept-Post, If-Match) answers it; the rest get the
    // API's.
    const Router::Match own = router.match(request);
    if (own.handler && own.dispatch == Dispatch::Inline)
      co_return guarded_call(*own.handler, request);
    // CORS preflight: the API is token-authenticated (no cookies), so any origin may call it.
    Response r;
    r.status = 204;
    r.headers["access-control-allow-origin"] = "*";
    r.headers["access-control-allow-methods"] = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
    r.headers["access-control-allow-headers"] = "authorization, content-type, idempotency-key";
    r.headers["access-control-max-age"] = "600";
    co_return r;
  }
  const Router::Match m = router.match(request);
  if (m.async_handler) co_return co_await call_async(*m.async_handler, request);
  if (m.handler) {
    if (m.dispatch == Dispatch::Inline) co_return guarded_call(*m.handler, request);
    co_return co_await offload(workers, *m.handler, request);
  }
  if (m.path_matched_other_method) {
    co_return Response::error(405, "method_not_allowed", "method not allowed on this path");
  }
  co_return Response::error(404, "not_found", "no such resource");
}

asio::awaitable<bool> HttpServer::Impl::write_response(beast::tcp_stream& stream,
                                                       const Request& request, Response response,
                                                       unsigned version, bool keep_alive) {
  const auto started = std::chrono::steady_clock::now();
  const bool head = request.method == "HEAD";
  const size_t body_size = response.body_size();
  stream.expires_after(options.request_timeout);

  http::response<http::empty_body> res{static_cast<http::status>(response.status), version};
  res.set(http::field::server, options.server_name);
  for (const auto& [name, value] : response.headers) res.set(name, value);
  res.keep_alive(keep_alive);
  const bool no_body = response.status == 204 || response.status == 304;
  if (!no_body) res.content_length(body_size);
  // The header (serialized by Beast, referring to `res`) and the body (the shared bytes every
  // viewer gets, never copied) leave in one gather write: one sendmsg per response, not two.
  http::response_serializer<http::empty_body> serializer{res};
  serializer.split(true);
  std::vector<asio::const_buffer> buffers;
  buffers.reserve(4 + response.shared_pieces.size());
  boost::system::error_code ec;
  serializer.next(ec, [&buffers](boost::system::error_code&, const auto& header) {
    for (const asio::const_buffer b : beast::buffers_range_ref(header)) buffers.push_back(b);
  });
  if (!ec && !head && !no_body && body_size > 0) {
    if (response.shared_body) {
      buffers.emplace_back(asio::buffer(*response.shared_body));
    } else if (!response.shared_pieces.empty()) {
      for (const auto& piece : response.shared_pieces) buffers.emplace_back(asio::buffer(*piece));
    } else {
      buffers.emplace_back(asio::buffer(response.body));
    }
  }
  if (!ec) std::tie(ec, std::ignore) = co_await asio::async_write(stream, buffers, kUseAwaitable);
  requests(response.status).inc();
  if (options.access_log) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    // The path only: query strings may carry playback tokens.
    const auto level = request.path.starts_with("/hls/") ? spdlog::level::debug
                                                          : spdlog::level::info;
    spdlog::log(level, "http {} {} {} {}B {}ms {}", request.method, request.path,
                response.status, body_size, ms, request.remote_address);
  }
  co_return !ec;
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

asio::awaitable<void> HttpServer::Impl::session(tcp::socket socket) {
  ConnectionSlot slot(this);

  boost::system::error_code addr_ec;
  const auto endpoint = socket.remote_endpoint(addr_ec);
  const std::string remote =
      addr_ec ? std::string("unknown")
              : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;

  for (bool first = true;; first = false) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(options.body_limit);
    parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
    stream.expires_after(first ? options.header_timeout : options.idle_timeout);

    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kUseAwaitable);
    if (ec) {
      if (ec == http::error::body_limit) {
        // Beast checks Content-Length against the limit as soon as the header is parsed.
        Request r = to_request(parser.get(), remote);
        co_await write_response(stream, r,
                                Response::error(413, "payload_too_large", "request body too large"),
                                11, false);
      } else if (ec == http::error::header_limit) {
        Request r;
        r.remote_address = remote;
        co_await write_response(stream, r,
                                Response::error(431, "headers_too_large", "request headers too large"),
                                11, false);
      } else if (ec != http::error::end_of_stream && ec != beast::error::timeout &&
                 ec != asio::error::eof && ec != asio::error::connection_reset &&
                 ec != asio::error::operation_aborted) {
        bad_requests().inc();
        Request r;
        r.remote_address = remote;
        co_await write_response(stream, r, Response::error(400, "bad_request", "malformed HTTP request"),
                                11, false);
      }
      break;
    }

    auto& header = parser.get();
    if (auto problem = framing_problem(header)) {
      // Answered and closed: the bytes after this header are never read as a request.
      bad_requests().inc();
      Request r = to_request(header, remote);
      co_await write_response(stream, r, Response::error(400, "bad_request", *problem),
                              header.version(), false);
      break;
    }
    if (beast::websocket::is_upgrade(header) && !ws_path.empty() &&
        header.target().substr(0, header.target().find('?')) == ws_path) {
      Request upgrade = to_request(header, remote);
      stream.expires_never();
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
      co_return;
    }

    if (parser.content_length() && *parser.content_length() > options.body_limit) {
      Request r = to_request(header, remote);
      co_await write_response(stream, r,
                              Response::error(413, "payload_too_large", "request body too large"),
                              header.version(), false);
      break;
    }
    if (beast::iequals(header[http::field::expect], "100-continue")) {
      http::response<http::empty_body> cont{http::status::continue_, header.version()};
      auto [wec, wn] = co_await http::async_write(stream, cont, kUseAwaitable);
      if (wec) break;
    }
    // A request without a body (every GET of a player) is complete with its header: no read
    // operation (and its posted completion) for nothing.
    if (!parser.is_done()) {
      stream.expires_after(options.request_timeout);
      std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, kUseAwaitable);
    }
    if (ec) {
      Request r = to_request(parser.get(), remote);
      if (ec == http::error::body_limit) {
        co_await write_response(stream, r,
                                Response::error(413, "payload_too_large", "request body too large"),
                                header.version(), false);
      } else if (ec != beast::error::timeout && ec != asio::error::eof &&
                 ec != http::error::end_of_stream && ec != asio::error::connection_reset) {
        co_await write_response(stream, r,
                                Response::error(400, "bad_request", "malformed HTTP request"),
                                header.version(), false);
      }
      break;
    }

    const auto& msg = parser.get();
    Request request = to_request(msg, remote);
    const bool keep_alive = msg.keep_alive();
    Response response = co_await dispatch(request);
    if (!response.headers.contains("access-control-allow-origin") &&
        request.path.starts_with("/api/")) {
      response.headers["access-control-allow-origin"] = "*";
    }
    const bool written =
        co_await write_response(stream, request, std::move(response), msg.version(), keep_alive);
    if (!written || !keep_alive) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
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
  asio::co_spawn(ctx, impl_->accept_loop(), asio::detached);
}

void HttpServer::stop() {
  if (!impl_ || !impl_->acceptor) return;
  auto* acceptor = impl_->acceptor.get();
  asio::post(acceptor->get_executor(), [acceptor] {
    boost::system::error_code ignored;
    acceptor->close(ignored);
  });
}

uint16_t HttpServer::port() const {
  return impl_->acceptor ? impl_->acceptor->local_endpoint().port() : 0;
}

}  // namespace stagecast::net
