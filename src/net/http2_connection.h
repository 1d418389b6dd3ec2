#pragma once
// Serves one HTTP/2 connection over any connected Asio stream: the read loop feeds the sans-IO
// Http2Session, every complete request runs as its own coroutine through the same HttpDispatcher
// as HTTP/1.1 (so a held blocking playlist reload never holds back the part fetches on other
// streams of the connection), and the write loop writes what the session produces with one
// gather write per batch.
//
// Entry point, for the plain port (h2c with prior knowledge, sniffed by http_server.cpp) and for
// the TLS accept path once ALPN selected "h2":
//
//   co_await serve_http2(std::move(stream), dispatcher, std::move(options), std::move(remote),
//                        std::move(already_read));
//
//   (Pass named variables, not temporaries such as h2_options() or Http2ServeOptions{}: GCC 12
//   destroys some temporaries of a co_await expression twice.)
//
// - stream: a connected stream with async_read_some/async_write_some whose lowest layer is a
//   TCP socket: beast::tcp_stream, tcp::socket, or ssl::stream<beast::tcp_stream> after its
//   handshake. Reads and writes run at the same time (one of each at most), which Asio's TLS
//   stream allows.
// - already_read: bytes read from the stream before (the preface sniffed on the plain port);
//   empty after a TLS handshake.
// - Must be awaited on the stream's executor: one io_context run by one thread (net::IoPool),
//   which is what serialises the session; handlers finishing on other threads post back to it.
// Returns when the connection is closed; responses still being computed then are dropped when
// they arrive. The stream's timeouts are this driver's: preface/idle and a stalled write close it.

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "net/http2_session.h"
#include "net/http_dispatch.h"

namespace stagecast::net {

struct Http2ServeOptions {
  Http2Options session;
  // No request in flight and nothing received for this long: GOAWAY(NO_ERROR) and close.
  std::chrono::milliseconds idle_timeout{60'000};
  // A write that makes no progress for this long (a peer that stopped reading): close.
  std::chrono::milliseconds write_timeout{30'000};
};

namespace http2_detail {

template <class Stream>
class Connection : public std::enable_shared_from_this<Connection<Stream>> {
 public:
  Connection(Stream stream, const HttpDispatcher& dispatcher, Http2ServeOptions options,
             std::string remote)
      : stream_(std::move(stream)),
        dispatcher_(dispatcher),
        options_(options),
        session_(options.session, remote),
        remote_(std::move(remote)),
        wake_(stream_.get_executor()),
        watchdog_(stream_.get_executor()),
        last_read_(std::chrono::steady_clock::now()) {}

  boost::asio::awaitable<void> run(std::string already_read) {
    namespace asio = boost::asio;
    auto self = this->shared_from_this();
    auto ex = co_await asio::this_coro::executor;
    dispatcher_.metrics()
        .counter("stagecast_http2_connections_total", "HTTP/2 connections accepted")
        .inc();
    asio::co_spawn(ex, watch(self), asio::detached);
    asio::co_spawn(ex, write_loop(self), asio::detached);
    bool ok = true;
    if (!already_read.empty()) {
      ok = received({reinterpret_cast<const uint8_t*>(already_read.data()), already_read.size()});
    }
    while (ok && !closed_ && session_.wants_read()) {
      auto [ec, n] = co_await stream_.async_read_some(asio::buffer(buffer_),
                                                      asio::as_tuple(asio::use_awaitable));
      if (ec) break;
      last_read_ = std::chrono::steady_clock::now();
      if (!received({buffer_.data(), n})) break;
    }
    reading_ = false;
    // The write loop flushes what the session still has (a GOAWAY) and closes.
    wake();
    // Wait for it, so the caller's hold on the connection (its slot) lasts as long as it does.
    while (!closed_) {
      done_.expires_after(std::chrono::hours(24));
      co_await done_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (!session_.failure().empty()) {
      dispatcher_.metrics()
          .counter("stagecast_http2_aborted_total",
                   "HTTP/2 connections ended for a protocol error or abuse, by reason",
                   "reason=\"" + session_.failure() + "\"")
          .inc();
      spdlog::info("http2 {}: connection ended: {}", remote_, session_.failure());
    }
  }

 private:
  using Clock = std::chrono::steady_clock;

  bool received(std::span<const uint8_t> bytes) {
    const bool ok = session_.receive(bytes);
    drained_.cancel();  // a WINDOW_UPDATE or a reset: feeders look again
    for (auto& in : session_.take_requests()) {
      boost::asio::co_spawn(stream_.get_executor(),
                            serve(this->shared_from_this(), in.stream_id, std::move(in.request)),
                            boost::asio::detached);
    }
    wake();
    return ok;
  }

  static boost::asio::awaitable<void> serve(std::shared_ptr<Connection> self, int32_t stream_id,
                                            Request request) {
    const auto started = Clock::now();
    Response response = co_await self->dispatcher_.dispatch(request);
    const bool head = request.method == "HEAD";
    // A streamed body's first piece is read before the header goes out, so that a store that
    // cannot give it still gets a clear status.
    std::shared_ptr<const StreamedBody> streamed;
    std::shared_ptr<const std::vector<uint8_t>> first;
    if (response.streamed && !head && response.status == 200 && response.streamed->size > 0) {
      streamed = response.streamed;
      first = co_await self->dispatcher_.read_piece(streamed, 0);
      if (!first) {
        streamed.reset();
        response =
            Response::error(503, "storage_unavailable", "the file cannot be read now; retry");
      }
    }
    const int status = response.status;
    const size_t size = response.body_size();
    if (self->closed_) co_return;
    self->session_.respond(stream_id, std::move(response), head);
    self->dispatcher_.record(
        request, status, size,
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started), "h2");
    self->wake();
    if (streamed) co_await feed(self, stream_id, std::move(streamed), std::move(first));
  }

  // Feeds a streamed body to its stream: the next piece is read while the previous one is being
  // sent, and not before it is mostly out, so one download holds about two pieces of memory
  // however slowly its client reads.
  static boost::asio::awaitable<void> feed(std::shared_ptr<Connection> self, int32_t stream_id,
                                           std::shared_ptr<const StreamedBody> body,
                                           std::shared_ptr<const std::vector<uint8_t>> piece) {
    namespace asio = boost::asio;
    uint64_t offset = 0;
    for (;;) {
      if (self->closed_ || !self->session_.feed(stream_id, piece)) co_return;
      offset += piece->size();
      self->wake();
      if (offset >= body->size) co_return;
      for (;;) {
        const auto unsent = self->session_.unsent(stream_id);
        if (!unsent || self->closed_) co_return;
        if (*unsent < body->piece_bytes) break;
        self->drained_.expires_at(Clock::time_point::max());
        co_await self->drained_.async_wait(asio::as_tuple(asio::use_awaitable));
      }
      piece = co_await self->dispatcher_.read_piece(body, offset);
      if (self->closed_) co_return;
      if (!piece) {
        self->session_.cancel(stream_id);
        self->wake();
        co_return;
      }
    }
  }

  void wake() { wake_.cancel(); }

  static boost::asio::awaitable<void> write_loop(std::shared_ptr<Connection> self) {
    namespace asio = boost::asio;
    std::vector<asio::const_buffer> buffers;
    while (!self->closed_) {
      auto batch = self->session_.take_output();
      if (batch.empty()) {
        if (self->session_.finished() || !self->reading_) break;
        self->wake_.expires_at(Clock::time_point::max());
        co_await self->wake_.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      buffers.clear();
      for (const auto& chunk : batch) {
        const auto bytes = chunk.bytes();
        buffers.emplace_back(bytes.data(), bytes.size());
      }
      self->write_started_ = Clock::now();
      self->writing_ = true;
      auto [ec, n] =
          co_await asio::async_write(self->stream_, buffers, asio::as_tuple(asio::use_awaitable));
      self->writing_ = false;
      if (ec) break;
      self->drained_.cancel();  // feeders of streamed bodies may read their next piece
    }
    self->close();
  }

  // Timeouts: an idle connection gets GOAWAY(NO_ERROR); a write stalled past write_timeout
  // (a peer that stopped reading) is closed.
  static boost::asio::awaitable<void> watch(std::shared_ptr<Connection> self) {
    namespace asio = boost::asio;
    bool goaway_sent = false;
    while (!self->closed_) {
      self->watchdog_.expires_after(std::chrono::seconds(1));
      co_await self->watchdog_.async_wait(asio::as_tuple(asio::use_awaitable));
      if (self->closed_) break;
      const auto now = Clock::now();
      if (self->writing_ && now - self->write_started_ > self->options_.write_timeout) {
        self->close();
        break;
      }
      if (!goaway_sent && self->session_.awaiting() == 0 &&
          now - self->last_read_ > self->options_.idle_timeout) {
        goaway_sent = true;
        self->session_.terminate(0);  // NO_ERROR
        self->wake();
      } else if (goaway_sent && now - self->last_read_ > 2 * self->options_.idle_timeout) {
        self->close();  // the peer never closed after the GOAWAY
        break;
      }
    }
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ec;
    auto& lowest = boost::beast::get_lowest_layer(stream_);
    if constexpr (requires { lowest.socket(); }) {
      lowest.socket().shutdown(boost::asio::socket_base::shutdown_both, ec);
      lowest.socket().close(ec);
    } else {
      lowest.shutdown(boost::asio::socket_base::shutdown_both, ec);
      lowest.close(ec);
    }
    wake_.cancel();
    drained_.cancel();
    watchdog_.cancel();
    done_.cancel();
  }

  Stream stream_;
  const HttpDispatcher& dispatcher_;
  Http2ServeOptions options_;
  Http2Session session_;
  std::string remote_;
  boost::asio::steady_timer wake_;
  boost::asio::steady_timer watchdog_;
  boost::asio::steady_timer done_{stream_.get_executor()};
  boost::asio::steady_timer drained_{stream_.get_executor()};
  std::array<uint8_t, 16 * 1024> buffer_{};
  Clock::time_point last_read_;
  Clock::time_point write_started_{};
  bool writing_ = false;
  bool reading_ = true;
  bool closed_ = false;
};

}  // namespace http2_detail

template <class Stream>
boost::asio::awaitable<void> serve_http2(Stream stream, const HttpDispatcher& dispatcher,
                                         Http2ServeOptions options, std::string remote,
                                         std::string already_read = {}) {
  auto connection = std::make_shared<http2_detail::Connection<Stream>>(
      std::move(stream), dispatcher, std::move(options), std::move(remote));
  co_await connection->run(std::move(already_read));
}

}  // namespace stagecast::net
