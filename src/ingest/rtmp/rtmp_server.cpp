#include "ingest/rtmp/rtmp_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <mutex>
#include <stdexcept>

#include "core/log.h"
#include "ingest/rtmp/rtmp_session.h"

namespace stagecast::ingest::rtmp {

namespace asio = boost::asio;
using asio::ip::tcp;

struct RtmpServer::State : std::enable_shared_from_this<RtmpServer::State> {
  State(std::vector<asio::io_context*> c, RtmpServerOptions o, PublishAuthorizer& a,
        LiveStreamRegistry& r, MetricsRegistry& m)
      : contexts(std::move(c)),
        options(std::move(o)),
        authorizer(a),
        registry(r),
        metrics(m),
        acceptor(*contexts.front()) {}

  std::vector<asio::io_context*> contexts;
  const RtmpServerOptions options;
  PublishAuthorizer& authorizer;
  LiveStreamRegistry& registry;
  RtmpMetrics metrics;
  tcp::acceptor acceptor;
  uint16_t port = 0;

  std::mutex mu;
  std::map<uint64_t, std::weak_ptr<RtmpSession>> sessions;
  uint64_t next_id = 1;
  size_t next_context = 0;
  bool stopped = false;

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    while (true) {
      // Round robin: the socket, and so the whole session, lives on one io_context.
      asio::io_context& ioc = *contexts[next_context++ % contexts.size()];
      tcp::socket socket(asio::make_strand(ioc));
      auto [ec] = co_await acceptor.async_accept(socket, asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        // Out of descriptors and the like: back off instead of spinning.
        spdlog::warn("rtmp accept failed: {}", ec.message());
        asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
        co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      std::shared_ptr<RtmpSession> session;
      {
        std::lock_guard lock(mu);
        if (stopped) co_return;
        if (sessions.size() >= options.max_connections) {
          spdlog::warn("rtmp: connection limit ({}) reached, refusing a connection", options.max_connections);
          boost::system::error_code ignored;
          socket.close(ignored);
          continue;
        }
        const uint64_t id = next_id++;
        std::weak_ptr<State> weak = self;
        session = std::make_shared<RtmpSession>(self, std::move(socket), id, options, authorizer, registry,
                                                metrics, [weak](uint64_t closed_id) {
                                                  if (auto s = weak.lock()) {
                                                    std::lock_guard l(s->mu);
                                                    s->sessions.erase(closed_id);
                                                  }
                                                });
        sessions.emplace(id, session);
      }
      session->start();
    }
  }
};

RtmpServer::RtmpServer(std::vector<asio::io_context*> contexts, RtmpServerOptions options,
                       PublishAuthorizer& authorizer, LiveStreamRegistry& registry,
                       MetricsRegistry& metrics) {
  if (contexts.empty()) throw std::invalid_argument("RtmpServer needs at least one io_context");
  state_ = std::make_shared<State>(std::move(contexts), std::move(options), authorizer, registry, metrics);
}

RtmpServer::~RtmpServer() { stop(); }

Result<void> RtmpServer::start() {
  auto& s = *state_;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(s.options.host, ec);
  if (ec) return make_error("rtmp_listen", "invalid host " + s.options.host);
  tcp::endpoint endpoint(address, s.options.port);
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return make_error("rtmp_listen", "cannot listen on " + s.options.host + ":" +
                                         std::to_string(s.options.port) + ": " + ec.message());
  }
  s.port = s.acceptor.local_endpoint().port();
  spdlog::info("rtmp ingest listening on {}:{}", s.options.host, s.port);
  asio::co_spawn(s.acceptor.get_executor(), [st = state_] { return st->accept_loop(); }, asio::detached);
  return ok_result();
}

void RtmpServer::stop() {
  std::vector<std::shared_ptr<RtmpSession>> open;
  {
    std::lock_guard lock(state_->mu);
    if (state_->stopped) return;
    state_->stopped = true;
    for (auto& [id, weak] : state_->sessions) {
      if (auto s = weak.lock()) open.push_back(std::move(s));
    }
  }
  asio::post(state_->acceptor.get_executor(), [st = state_] {
    boost::system::error_code ignored;
    st->acceptor.close(ignored);
  });
  for (auto& s : open) s->disconnect("server stopping");
}

uint16_t RtmpServer::port() const { return state_->port; }

size_t RtmpServer::connection_count() const {
  std::lock_guard lock(state_->mu);
  return state_->sessions.size();
}

}  // namespace stagecast::ingest::rtmp
