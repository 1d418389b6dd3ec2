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
#include "net/context_load.h"

namespace stagecast::ingest::rtmp {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// What sessions share. It holds no I/O object, so whichever io_context is destroyed last may
// release it safely (a session lives in its own io_context's queue until that one is destroyed).
struct Common {
  Common(RtmpServerOptions o, PublishAuthorizer& a, LiveStreamRegistry& r, MetricsRegistry& m,
         size_t contexts)
      : options(std::move(o)), authorizer(a), registry(r), metrics(m), load(contexts) {}
  const RtmpServerOptions options;
  PublishAuthorizer& authorizer;
  LiveStreamRegistry& registry;
  RtmpMetrics metrics;

  struct Entry {
    std::weak_ptr<RtmpSession> session;
    std::string address;
    bool pending = true;  // not published yet
    size_t context = 0;   // the io_context (I/O thread) it runs on
  };
  std::mutex mu;
  std::map<uint64_t, Entry> sessions;  // by id: accept order, the oldest first
  std::map<std::string, size_t> pending_by_address;
  size_t pending = 0;
  uint64_t next_id = 1;
  bool stopped = false;
  // Connections per io_context: a new one goes to the thread with the fewest (an ingest is the
  // heaviest thing an I/O thread carries).
  net::ContextLoad load;

  // Under mu.
  void settle(Entry& e) {
    if (!e.pending) return;
    e.pending = false;
    --pending;
    auto it = pending_by_address.find(e.address);
    if (it != pending_by_address.end() && --it->second == 0) pending_by_address.erase(it);
  }
  // Under mu: a connection gone (closed or shed).
  void erase(std::map<uint64_t, Entry>::iterator it) {
    settle(it->second);
    load.remove(it->second.context);
    sessions.erase(it);
  }
  // Admission of a connection from `address` (section "Abuse" of docs/operations.md). Returns
  // false to refuse it; `shed` receives a pending connection to close to make room.
  bool admit(const std::string& address, std::shared_ptr<RtmpSession>& shed) {
    auto per = pending_by_address.find(address);
    if (per != pending_by_address.end() && per->second >= options.max_pending_per_address) {
      metrics.refused_per_address.inc();
      return false;
    }
    if (sessions.size() < options.max_connections && pending < options.max_pending) return true;
    for (auto it = sessions.begin(); it != sessions.end(); ++it) {
      if (!it->second.pending) continue;
      shed = it->second.session.lock();
      erase(it);
      metrics.shed.inc();
      return true;
    }
    metrics.refused_full.inc();  // every slot publishes: a real limit, not a flood
    return false;
  }
};

// The acceptor is owned by this coroutine only, so it dies with its own io_context (or when the
// loop ends), never after it.
asio::awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor,
                                  std::shared_ptr<Common> common,
                                  std::vector<asio::io_context*> contexts, bool tls) {
  while (true) {
    // Accept on the acceptor's own context: a pending accept holds its peer socket, which must
    // not belong to another io_context (that one may be destroyed first at shutdown).
    auto [ec, peer] = co_await acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
      // Out of descriptors and the like: back off instead of spinning.
      spdlog::warn("rtmp accept failed: {}", ec.message());
      asio::steady_timer pause(acceptor->get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    // The connection moves to one io_context for its whole life (the one with the fewest of this
    // server's connections), behind a strand that keeps its handlers serial even if that context
    // runs on several threads.
    size_t context = 0;
    {
      std::lock_guard lock(common->mu);
      context = common->load.pick();
    }
    asio::io_context& ioc = *contexts[context];
    tcp::socket socket(asio::make_strand(ioc));
    boost::system::error_code aec;
    const auto protocol = peer.local_endpoint(aec).protocol();
    if (!aec) socket.assign(protocol, peer.release(aec), aec);
    if (aec) continue;
    const auto remote = socket.remote_endpoint(aec);
    if (aec) continue;
    const std::string address = remote.address().to_string();
    std::shared_ptr<RtmpSession> session;
    std::shared_ptr<RtmpSession> shed;
    {
      std::lock_guard lock(common->mu);
      if (common->stopped) co_return;
      if (!common->admit(address, shed)) {
        spdlog::debug("rtmp: refusing a connection from {} (admission limits)", address);
        socket.close(aec);
        continue;
      }
      const uint64_t id = common->next_id++;
      std::weak_ptr<Common> weak = common;
      // RTMPS takes the certificate current at accept (a reload changes later connections).
      RtmpSession::Stream stream =
          tls ? RtmpSession::Stream(std::move(socket), common->options.tls->current())
              : RtmpSession::Stream(std::move(socket));
      session = std::make_shared<RtmpSession>(
          common, std::move(stream), id, common->options, common->authorizer, common->registry,
          common->metrics,
          [weak](uint64_t closed_id) {
            if (auto c = weak.lock()) {
              std::lock_guard l(c->mu);
              if (auto it = c->sessions.find(closed_id); it != c->sessions.end()) c->erase(it);
            }
          },
          [weak](uint64_t published_id) {
            if (auto c = weak.lock()) {
              std::lock_guard l(c->mu);
              if (auto it = c->sessions.find(published_id); it != c->sessions.end())
                c->settle(it->second);
            }
          });
      common->sessions.emplace(id, Common::Entry{session, address, true, context});
      common->load.add(context);
      ++common->pending;
      ++common->pending_by_address[address];
    }
    if (shed) shed->disconnect("shed for a newer connection (too many that have not published)");
    session->start();
  }
}

}  // namespace

struct RtmpServer::State {
  std::shared_ptr<Common> common;
  std::vector<asio::io_context*> contexts;
  std::weak_ptr<tcp::acceptor> acceptor;
  std::weak_ptr<tcp::acceptor> tls_acceptor;
  uint16_t port = 0;
  uint16_t tls_port = 0;
};

RtmpServer::RtmpServer(std::vector<asio::io_context*> contexts, RtmpServerOptions options,
                       PublishAuthorizer& authorizer, LiveStreamRegistry& registry,
                       MetricsRegistry& metrics) {
  if (contexts.empty()) throw std::invalid_argument("RtmpServer needs at least one io_context");
  state_ = std::make_shared<State>();
  state_->common =
      std::make_shared<Common>(std::move(options), authorizer, registry, metrics, contexts.size());
  state_->contexts = std::move(contexts);
}

RtmpServer::~RtmpServer() {
  stop();
}

static Result<std::shared_ptr<tcp::acceptor>> listen(asio::io_context& ctx, const std::string& host,
                                                     uint16_t port) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return make_error("rtmp_listen", "invalid host " + host);
  tcp::endpoint endpoint(address, port);
  auto acceptor = std::make_shared<tcp::acceptor>(ctx);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return make_error("rtmp_listen", "cannot listen on " + host + ":" + std::to_string(port) +
                                         ": " + ec.message());
  }
  return acceptor;
}

Result<void> RtmpServer::start() {
  auto& s = *state_;
  const auto& o = s.common->options;
  auto acceptor = listen(*s.contexts.front(), o.host, o.port);
  if (!acceptor) return acceptor.error();
  std::shared_ptr<tcp::acceptor> tls_acceptor;
  if (o.tls) {
    auto bound = listen(*s.contexts.front(), o.host, o.tls_port);
    if (!bound) return bound.error();
    tls_acceptor = std::move(bound).value();
  }
  s.port = (*acceptor)->local_endpoint().port();
  s.acceptor = *acceptor;
  spdlog::info("rtmp ingest listening on {}:{}", o.host, s.port);
  auto executor = (*acceptor)->get_executor();
  asio::co_spawn(executor, accept_loop(std::move(acceptor).value(), s.common, s.contexts, false),
                 asio::detached);
  if (tls_acceptor) {
    s.tls_port = tls_acceptor->local_endpoint().port();
    s.tls_acceptor = tls_acceptor;
    spdlog::info("rtmps ingest listening on {}:{}", o.host, s.tls_port);
    asio::co_spawn(executor, accept_loop(std::move(tls_acceptor), s.common, s.contexts, true),
                   asio::detached);
  }
  return ok_result();
}

void RtmpServer::stop() {
  std::vector<std::shared_ptr<RtmpSession>> open;
  {
    std::lock_guard lock(state_->common->mu);
    if (state_->common->stopped) return;
    state_->common->stopped = true;
    for (auto& [id, entry] : state_->common->sessions) {
      if (auto s = entry.session.lock()) open.push_back(std::move(s));
    }
  }
  // Alive only while the accept loop runs, i.e. while its io_context exists.
  for (const auto& weak_acceptor : {state_->acceptor, state_->tls_acceptor}) {
    if (auto acceptor = weak_acceptor.lock()) {
      asio::post(acceptor->get_executor(), [weak = weak_acceptor] {
        if (auto a = weak.lock()) {
          boost::system::error_code ignored;
          a->close(ignored);
        }
      });
    }
  }
  for (auto& s : open) s->disconnect("server stopping");
}

uint16_t RtmpServer::port() const {
  return state_->port;
}

uint16_t RtmpServer::tls_port() const {
  return state_->tls_port;
}

size_t RtmpServer::connection_count() const {
  std::lock_guard lock(state_->common->mu);
  return state_->common->sessions.size();
}

size_t RtmpServer::connections_on(size_t index) const {
  std::lock_guard lock(state_->common->mu);
  return state_->common->load.count(index);
}

}  // namespace stagecast::ingest::rtmp
