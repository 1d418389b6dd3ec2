#include "net/websocket_session.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket.hpp>

namespace stagecast::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

WebSocketSession::WebSocketSession(MaybeTlsStream<beast::tcp_stream> stream, std::string remote,
                                   uint64_t id, WebSocketOptions options, MetricsRegistry& metrics)
    : ws_(std::move(stream)),
      remote_(std::move(remote)),
      id_(id),
      options_(options),
      metrics_(metrics) {
  const auto executor = ws_.get_executor();  // target() points into it: keep it alive
  if (const auto* io = executor.target<asio::io_context::executor_type>()) home_ = &io->context();
  metrics_.gauge("stagecast_ws_connections", "Open WebSocket connections").add(1);
}

WebSocketSession::~WebSocketSession() {
  metrics_.gauge("stagecast_ws_connections", "Open WebSocket connections").add(-1);
}

asio::awaitable<bool> WebSocketSession::handshake(http::request<http::string_body> upgrade,
                                                  const Request& request,
                                                  const WebSocketAcceptor& acceptor) {
  constexpr auto token = asio::as_tuple(asio::use_awaitable);
  Response reject;
  bool rejected = false;
  handlers_ = acceptor(shared_from_this(), request, &reject, &rejected);
  if (rejected) {
    closed_ = true;
    http::response<http::string_body> res{static_cast<http::status>(reject.status),
                                          upgrade.version()};
    for (const auto& [name, value] : reject.headers) res.set(name, value);
    if (reject.preset != nullptr) {
      for (const auto& [name, value] : reject.preset->fields())
        if (!reject.headers.contains(name)) res.set(name, value);
    }
    res.body() = reject.body;
    res.keep_alive(false);
    res.prepare_payload();
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(10));
    co_await http::async_write(ws_.next_layer(), res, token);
    co_return false;
  }

  ws_.set_option(websocket::stream_base::timeout{
      std::chrono::seconds(10), std::chrono::seconds(options_.idle_timeout_seconds), true});
  ws_.read_message_max(options_.max_message_bytes);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "stagecast"); }));
  // Echo a sub-protocol the client offered (browsers require it when they offer one).
  std::string protocol(upgrade[http::field::sec_websocket_protocol]);
  if (!protocol.empty()) {
    const std::string first = protocol.substr(0, protocol.find(','));
    ws_.set_option(websocket::stream_base::decorator([first](websocket::response_type& res) {
      res.set(http::field::server, "stagecast");
      res.set(http::field::sec_websocket_protocol, first);
    }));
  }

  auto [ec] = co_await ws_.async_accept(upgrade, token);
  if (ec) {
    closed_ = true;
    release_queue();
    if (handlers_.on_close) handlers_.on_close(CloseCode::ProtocolError);
    co_return false;
  }
  open_ = true;
  if (!queue_.empty() && !writing_) write_next();
  if (close_pending_ && !writing_) do_close(pending_code_, pending_reason_);
  co_return true;
}

asio::awaitable<void> WebSocketSession::read_loop() {
  constexpr auto token = asio::as_tuple(asio::use_awaitable);
  beast::flat_buffer buffer;
  CloseCode reason = CloseCode::GoingAway;
  for (;;) {
    auto [rec, n] = co_await ws_.async_read(buffer, token);
    if (rec) {
      if (rec == websocket::error::message_too_big) {
        reason = CloseCode::TooBig;  // Beast already sent close 1009
      } else if (rec == websocket::error::closed) {
        reason = static_cast<CloseCode>(ws_.reason().code);
      }
      break;
    }
    if (!ws_.got_text()) {
      do_close(CloseCode::UnsupportedData, "binary frames are not supported");
      reason = CloseCode::UnsupportedData;
      buffer.consume(buffer.size());
      continue;  // keep reading until the close handshake completes
    }
    std::string text = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    if (closed_) continue;
    if (handlers_.on_message) {
      try {
        handlers_.on_message(text);
      } catch (const std::exception& e) {
        spdlog::error("ws {}: handler threw: {}", id_, e.what());
        do_close(CloseCode::InternalError, "internal error");
      }
    }
  }
  open_ = false;
  closed_ = true;
  release_queue();
  if (handlers_.on_close) handlers_.on_close(reason);
  handlers_ = {};  // break cycles through captured shared_ptrs
}

bool WebSocketSession::send(std::shared_ptr<const std::string> text) {
  if (closed_.load(std::memory_order_relaxed) || too_slow_.load(std::memory_order_relaxed))
    return false;
  const size_t size = text->size();
  const size_t messages = queued_messages_.fetch_add(1, std::memory_order_relaxed) + 1;
  const size_t bytes = queued_bytes_.fetch_add(size, std::memory_order_relaxed) + size;
  if (messages > options_.max_queued_messages || bytes > options_.max_queued_bytes) {
    queued_messages_.fetch_sub(1, std::memory_order_relaxed);
    queued_bytes_.fetch_sub(size, std::memory_order_relaxed);
    if (!too_slow_.exchange(true)) {
      metrics_
          .counter("stagecast_ws_slow_consumers_total", "WebSockets closed for reading too slowly")
          .inc();
      close(CloseCode::PolicyViolation, "too slow: send queue full");
    }
    return false;
  }
  // A room fanning out on this session's own I/O thread queues the write at once; from any
  // other thread it is handed over.
  if (home_ != nullptr && home_->get_executor().running_in_this_thread()) {
    enqueue(std::move(text));
    return true;
  }
  asio::post(ws_.get_executor(),
             [self = shared_from_this(), text = std::move(text)]() mutable {
               self->enqueue(std::move(text));
             });
  return true;
}

void WebSocketSession::enqueue(std::shared_ptr<const std::string> text) {
  if (closed_ || close_pending_) {
    queued_messages_.fetch_sub(1, std::memory_order_relaxed);
    queued_bytes_.fetch_sub(text->size(), std::memory_order_relaxed);
    return;
  }
  queue_.push_back(std::move(text));
  if (open_ && !writing_) write_next();
}

void WebSocketSession::write_next() {
  if (queue_.empty()) {
    if (close_pending_) do_close(pending_code_, pending_reason_);
    return;
  }
  writing_ = true;
  ws_.text(true);
  auto message = queue_.front();
  ws_.async_write(asio::buffer(*message),
                  [self = shared_from_this(), message](beast::error_code ec, size_t) {
                    self->writing_ = false;
                    if (!self->queue_.empty()) {
                      self->queue_.pop_front();
                      self->queued_messages_.fetch_sub(1, std::memory_order_relaxed);
                      self->queued_bytes_.fetch_sub(message->size(), std::memory_order_relaxed);
                    }
                    if (ec) {
                      self->closed_ = true;
                      self->release_queue();
                      return;
                    }
                    if (self->close_pending_) {
                      self->do_close(self->pending_code_, self->pending_reason_);
                      return;
                    }
                    self->write_next();
                  });
}

void WebSocketSession::close(CloseCode code, std::string reason) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), code, reason = std::move(reason)] {
    self->do_close(code, reason);
  });
}

void WebSocketSession::do_close(CloseCode code, std::string reason) {
  if (!open_) {
    // Not yet accepted (or already closed): remember, act after the handshake.
    if (!closed_) {
      close_pending_ = true;
      pending_code_ = code;
      pending_reason_ = std::move(reason);
    }
    return;
  }
  if (writing_) {
    close_pending_ = true;
    pending_code_ = code;
    pending_reason_ = std::move(reason);
    return;
  }
  open_ = false;
  closed_ = true;
  close_pending_ = false;
  release_queue();
  websocket::close_reason cr(static_cast<websocket::close_code>(code), reason);
  ws_.async_close(cr, [self = shared_from_this()](beast::error_code) {});
}

void WebSocketSession::release_queue() {
  for (const auto& m : queue_) {
    queued_messages_.fetch_sub(1, std::memory_order_relaxed);
    queued_bytes_.fetch_sub(m->size(), std::memory_order_relaxed);
  }
  queue_.clear();
}

}  // namespace stagecast::net
