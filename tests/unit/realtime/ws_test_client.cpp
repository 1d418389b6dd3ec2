#include "ws_test_client.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>

namespace stagecast::realtime::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

WsTestClient::WsTestClient() : ws_(ioc_) {}

WsTestClient::~WsTestClient() {
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
}

bool WsTestClient::connect(uint16_t port, const std::string& path) {
  beast::error_code ec;
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
  beast::get_lowest_layer(ws_).socket().connect(ep, ec);
  if (ec) return false;
  ws_.handshake("127.0.0.1:" + std::to_string(port), path, ec);
  if (ec) return false;
  read_next();
  return true;
}

void WsTestClient::send(const std::string& text) {
  beast::error_code ec;
  ws_.text(true);
  ws_.write(asio::buffer(text), ec);
}

void WsTestClient::send_binary(const std::string& bytes) {
  beast::error_code ec;
  ws_.binary(true);
  ws_.write(asio::buffer(bytes), ec);
  ws_.text(true);
}

void WsTestClient::read_next() {
  if (closed_ || reading_) return;
  reading_ = true;
  ws_.async_read(buffer_, [this](beast::error_code ec, size_t) {
    reading_ = false;
    if (ec) {
      closed_ = true;
      if (ec == websocket::error::closed) close_code_ = ws_.reason().code;
      return;
    }
    ++frames_;
    const std::string text = beast::buffers_to_string(buffer_.data());
    largest_frame_ = std::max(largest_frame_, text.size());
    buffer_.consume(buffer_.size());
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_object() && j.value("type", "") == "batch" && j.contains("events")) {
      for (auto& e : j["events"]) events_.push_back(std::move(e));
    } else {
      events_.push_back(std::move(j));
    }
    read_next();
  });
}

bool WsTestClient::pump_until(const std::function<bool()>& done,
                              std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    if (ioc_.stopped()) ioc_.restart();
    ioc_.run_one_for(deadline - now);
  }
  return true;
}

std::optional<nlohmann::json> WsTestClient::next(std::chrono::milliseconds timeout) {
  pump_until([this] { return !events_.empty() || closed_; }, timeout);
  if (events_.empty()) return std::nullopt;
  nlohmann::json e = std::move(events_.front());
  events_.pop_front();
  return e;
}

std::optional<nlohmann::json> WsTestClient::next_of(const std::string& type,
                                                    std::chrono::milliseconds timeout) {
  // Events of other types stay queued for later calls: a reply and a broadcast may arrive in
  // either order.
  std::optional<nlohmann::json> found;
  const auto take = [&] {
    for (auto it = events_.begin(); it != events_.end(); ++it) {
      if (it->is_object() && it->value("type", "") == type) {
        found = std::move(*it);
        events_.erase(it);
        return true;
      }
    }
    return false;
  };
  pump_until([&] { return take() || closed_; }, timeout);
  if (!found) take();
  return found;
}

std::vector<nlohmann::json> WsTestClient::collect(const std::string& type,
                                                  std::chrono::milliseconds window) {
  std::vector<nlohmann::json> out;
  const auto deadline = std::chrono::steady_clock::now() + window;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    auto e = next_of(type, left);
    if (!e) break;
    out.push_back(std::move(*e));
  }
  return out;
}

uint16_t WsTestClient::wait_closed(std::chrono::milliseconds timeout) {
  // Keep reading (and discarding) until the server's close frame arrives.
  pump_until([this] { return closed_; }, timeout);
  return closed_ ? close_code_ : 0;
}

void WsTestClient::close() {
  if (closed_) return;
  bool done = false;
  ws_.async_close(websocket::close_code::normal, [&done](beast::error_code) { done = true; });
  pump_until([&] { return done && !reading_; }, std::chrono::seconds(2));
  closed_ = true;
}

}  // namespace stagecast::realtime::testing
