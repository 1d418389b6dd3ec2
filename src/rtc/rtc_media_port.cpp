#include "rtc/rtc_media_port.h"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <map>

#include "rtc/rfc4571_framing.h"
#include "rtc/stun_message.h"

namespace stagecast::rtc {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

namespace {

StunAddress stun_address(const asio::ip::address& address, uint16_t port) {
  StunAddress a;
  a.port = port;
  if (address.is_v4()) {
    const auto b = address.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), a.ip.begin());
  } else {
    a.ipv6 = true;
    const auto b = address.to_v6().to_bytes();
    std::copy(b.begin(), b.end(), a.ip.begin());
  }
  return a;
}

std::string endpoint_text(const asio::ip::address& address, uint16_t port) {
  return address.is_v6() ? "[" + address.to_string() + "]:" + std::to_string(port)
                         : address.to_string() + ":" + std::to_string(port);
}

struct PortMetrics {
  explicit PortMetrics(MetricsRegistry& m)
      : packets(&m.counter("stagecast_webrtc_port_packets_total",
                           "Packets received on the WebRTC media port", "kind=\"any\"")),
        stun_accepted(&m.counter("stagecast_webrtc_stun_total", "STUN Binding requests by outcome",
                                 "outcome=\"accepted\"")),
        stun_rejected(&m.counter("stagecast_webrtc_stun_total", "STUN Binding requests by outcome",
                                 "outcome=\"rejected\"")),
        stun_dropped(&m.counter("stagecast_webrtc_stun_total", "STUN Binding requests by outcome",
                                "outcome=\"dropped\"")),
        unknown_source(&m.counter("stagecast_webrtc_port_dropped_total",
                                  "Packets dropped on the WebRTC media port",
                                  "reason=\"unknown_source\"")),
        unknown_kind(&m.counter("stagecast_webrtc_port_dropped_total",
                                "Packets dropped on the WebRTC media port",
                                "reason=\"unknown_kind\"")),
        unknown_ufrag(&m.counter("stagecast_webrtc_port_dropped_total",
                                 "Packets dropped on the WebRTC media port",
                                 "reason=\"unknown_ufrag\"")),
        tcp_refused(&m.counter("stagecast_webrtc_port_dropped_total",
                               "Packets dropped on the WebRTC media port",
                               "reason=\"tcp_refused\"")),
        tcp_queue_full(&m.counter("stagecast_webrtc_port_dropped_total",
                                  "Packets dropped on the WebRTC media port",
                                  "reason=\"tcp_queue_full\"")),
        tcp_connections(&m.gauge("stagecast_webrtc_tcp_connections",
                                 "ICE-TCP connections open on the WebRTC media port")) {}
  Counter* packets;
  Counter* stun_accepted;
  Counter* stun_rejected;
  Counter* stun_dropped;
  Counter* unknown_source;
  Counter* unknown_kind;
  Counter* unknown_ufrag;
  Counter* tcp_refused;
  Counter* tcp_queue_full;
  Gauge* tcp_connections;
};

struct TcpConnection;

}  // namespace

struct RtcMediaPort::State : std::enable_shared_from_this<RtcMediaPort::State> {
  State(asio::io_context& io, RtcMediaPortOptions o, MetricsRegistry& m)
      : io(io), options(std::move(o)), metrics(m), udp_socket(io), acceptor(io) {}

  asio::io_context& io;
  const RtcMediaPortOptions options;
  PortMetrics metrics;
  udp::socket udp_socket;
  tcp::acceptor acceptor;
  uint16_t udp_port = 0;
  uint16_t tcp_port = 0;
  bool stopped = false;

  std::array<uint8_t, 65536> udp_buffer{};
  udp::endpoint udp_from;

  struct Path {
    std::string ufrag;
    bool tcp = false;
    udp::endpoint udp_remote;
    std::weak_ptr<TcpConnection> conn;
    std::chrono::steady_clock::time_point created;
  };
  RtcPathId next_path = 1;
  std::map<RtcPathId, Path> paths;
  std::map<udp::endpoint, RtcPathId> udp_paths;
  std::map<std::string, std::shared_ptr<RtcPortSession>> sessions;  // by local ufrag
  std::map<TcpConnection*, std::shared_ptr<TcpConnection>> connections;

  void receive_udp();
  void on_udp(size_t size);
  // A STUN message from `from` (any transport): answered, and a passing check makes a path.
  void on_stun(ByteSpan bytes, const asio::ip::address& address, uint16_t port,
               const std::function<RtcPathId(const std::string& ufrag)>& make_path,
               const std::function<void(Bytes)>& reply);
  void deliver(RtcPathId path, ByteSpan bytes);
  void drop_path(RtcPathId id, bool notify);
  void trim_paths(const std::string& ufrag);
  void accept();
  void close_connection(TcpConnection* conn);
};

namespace {

struct TcpConnection : std::enable_shared_from_this<TcpConnection> {
  TcpConnection(tcp::socket s, std::weak_ptr<RtcMediaPort::State> st)
      : socket(std::move(s)), state(std::move(st)), check_timer(socket.get_executor()) {}
  tcp::socket socket;
  std::weak_ptr<RtcMediaPort::State> state;
  asio::steady_timer check_timer;
  Rfc4571Reader reader;
  std::array<uint8_t, 16384> buffer{};
  std::deque<Bytes> queue;
  size_t queued_bytes = 0;
  bool writing = false;
  bool closed = false;
  RtcPathId path = 0;
  asio::ip::address address;
  uint16_t port = 0;

  void read() {
    socket.async_read_some(asio::buffer(buffer), [self = shared_from_this()](auto ec, size_t n) {
      auto st = self->state.lock();
      if (!st || self->closed) return;
      if (ec) {
        st->close_connection(self.get());
        return;
      }
      std::vector<Bytes> frames;
      if (!self->reader.feed(ByteSpan(self->buffer.data(), n), frames)) {
        st->close_connection(self.get());  // an oversized frame: RFC 4571 framing lost for good
        return;
      }
      for (auto& frame : frames) {
        st->metrics.packets->inc();
        if (classify_packet(frame) == PacketKind::Stun) {
          auto conn = self;
          st->on_stun(
              frame, self->address, self->port,
              [&](const std::string& ufrag) {
                if (conn->path != 0) {
                  auto it = st->paths.find(conn->path);
                  if (it != st->paths.end() && it->second.ufrag == ufrag) return conn->path;
                  st->drop_path(conn->path, true);
                }
                const RtcPathId id = st->next_path++;
                st->paths[id] = RtcMediaPort::State::Path{
                    ufrag, true, {}, conn, std::chrono::steady_clock::now()};
                conn->path = id;
                conn->check_timer.cancel();
                return id;
              },
              [&](Bytes reply) { conn->send(std::move(reply), *st); });
        } else if (self->path != 0) {
          st->deliver(self->path, frame);
        } else {
          st->metrics.unknown_source->inc();
        }
        if (self->closed) return;
      }
      self->read();
    });
  }

  bool send(Bytes packet, RtcMediaPort::State& st) {
    if (closed) return false;
    auto framed = rfc4571_frame(packet);
    if (!framed) return false;
    if (queued_bytes + framed->size() > st.options.max_tcp_write_queue_bytes) {
      st.metrics.tcp_queue_full->inc();
      return false;
    }
    queued_bytes += framed->size();
    queue.push_back(std::move(*framed));
    if (!writing) write_next();
    return true;
  }

  void write_next() {
    if (queue.empty() || closed) {
      writing = false;
      return;
    }
    writing = true;
    asio::async_write(socket, asio::buffer(queue.front()),
                      [self = shared_from_this()](auto ec, size_t) {
                        auto st = self->state.lock();
                        if (!st || self->closed) return;
                        if (ec) {
                          st->close_connection(self.get());
                          return;
                        }
                        self->queued_bytes -= self->queue.front().size();
                        self->queue.pop_front();
                        self->write_next();
                      });
  }
};

}  // namespace

void RtcMediaPort::State::receive_udp() {
  udp_socket.async_receive_from(asio::buffer(udp_buffer), udp_from,
                                [self = shared_from_this()](auto ec, size_t n) {
                                  if (self->stopped) return;
                                  if (!ec) self->on_udp(n);
                                  // ICMP errors (a peer gone) surface as errors on the next
                                  // receive; they concern one peer, never the port.
                                  if (ec == asio::error::operation_aborted) return;
                                  self->receive_udp();
                                });
}

void RtcMediaPort::State::on_udp(size_t size) {
  metrics.packets->inc();
  const ByteSpan bytes(udp_buffer.data(), size);
  const PacketKind kind = classify_packet(bytes);
  const udp::endpoint from = udp_from;
  if (kind == PacketKind::Stun) {
    on_stun(
        bytes, from.address(), from.port(),
        [&](const std::string& ufrag) {
          auto found = udp_paths.find(from);
          if (found != udp_paths.end()) {
            auto it = paths.find(found->second);
            if (it != paths.end() && it->second.ufrag == ufrag) return found->second;
            drop_path(found->second, true);  // the address moved to another session
          }
          const RtcPathId id = next_path++;
          paths[id] = Path{ufrag, false, from, {}, std::chrono::steady_clock::now()};
          udp_paths[from] = id;
          trim_paths(ufrag);
          return id;
        },
        [&](Bytes reply) {
          boost::system::error_code ignored;
          udp_socket.send_to(asio::buffer(reply), from, 0, ignored);
        });
    return;
  }
  if (kind == PacketKind::Unknown) {
    metrics.unknown_kind->inc();
    return;
  }
  auto found = udp_paths.find(from);
  if (found == udp_paths.end()) {
    metrics.unknown_source->inc();
    return;
  }
  deliver(found->second, bytes);
}

void RtcMediaPort::State::on_stun(
    ByteSpan bytes, const asio::ip::address& address, uint16_t port,
    const std::function<RtcPathId(const std::string& ufrag)>& make_path,
    const std::function<void(Bytes)>& reply) {
  auto message = StunMessage::parse(bytes);
  if (!message) {
    metrics.stun_dropped->inc();
    return;
  }
  if (message->message_class() != StunClass::Request) {
    // Responses and indications (a browser's consent keepalives are requests; an indication is
    // a keepalive we need not answer).
    metrics.stun_dropped->inc();
    return;
  }
  const std::string ufrag(local_ufrag_of(*message));
  auto session = sessions.find(ufrag);
  if (session == sessions.end()) {
    metrics.unknown_ufrag->inc();
    return;
  }
  const BindingResult result =
      answer_binding_request(*message, session->second->local_ice(), stun_address(address, port));
  if (!result.response.empty()) reply(result.response);
  switch (result.outcome) {
    case BindingOutcome::Dropped:
      metrics.stun_dropped->inc();
      return;
    case BindingOutcome::Rejected:
      metrics.stun_rejected->inc();
      return;
    case BindingOutcome::Accepted:
      break;
  }
  metrics.stun_accepted->inc();
  const RtcPathId path = make_path(ufrag);
  auto keep = session->second;  // the callback may remove the session
  keep->on_binding(path, result.use_candidate);
}

void RtcMediaPort::State::deliver(RtcPathId path, ByteSpan bytes) {
  auto it = paths.find(path);
  if (it == paths.end()) return;
  auto session = sessions.find(it->second.ufrag);
  if (session == sessions.end()) return;
  auto keep = session->second;
  keep->on_packet(path, classify_packet(bytes), Bytes(bytes.begin(), bytes.end()));
}

void RtcMediaPort::State::drop_path(RtcPathId id, bool notify) {
  auto it = paths.find(id);
  if (it == paths.end()) return;
  Path path = std::move(it->second);
  paths.erase(it);
  if (!path.tcp) {
    auto u = udp_paths.find(path.udp_remote);
    if (u != udp_paths.end() && u->second == id) udp_paths.erase(u);
  } else if (auto conn = path.conn.lock()) {
    conn->path = 0;
    close_connection(conn.get());
  }
  if (!notify) return;
  auto session = sessions.find(path.ufrag);
  if (session != sessions.end()) {
    auto keep = session->second;
    keep->on_path_closed(id);
  }
}

void RtcMediaPort::State::trim_paths(const std::string& ufrag) {
  // A peer may try many candidate pairs; only the newest few stay (the oldest goes first).
  std::vector<RtcPathId> mine;
  for (const auto& [id, p] : paths) {
    if (p.ufrag == ufrag) mine.push_back(id);
  }
  for (size_t i = 0; i + options.max_paths_per_session < mine.size(); ++i) drop_path(mine[i], true);
}

void RtcMediaPort::State::accept() {
  acceptor.async_accept([self = shared_from_this()](auto ec, tcp::socket socket) {
    if (self->stopped) return;
    if (!ec) {
      if (self->connections.size() >= self->options.max_tcp_connections) {
        self->metrics.tcp_refused->inc();
        boost::system::error_code ignored;
        socket.close(ignored);
      } else {
        boost::system::error_code rec;
        const auto remote = socket.remote_endpoint(rec);
        socket.set_option(tcp::no_delay(true), rec);
        auto conn = std::make_shared<TcpConnection>(std::move(socket), self);
        conn->address = remote.address();
        conn->port = remote.port();
        self->connections[conn.get()] = conn;
        self->metrics.tcp_connections->set(static_cast<int64_t>(self->connections.size()));
        conn->check_timer.expires_after(self->options.tcp_check_timeout);
        conn->check_timer.async_wait([weak = std::weak_ptr<TcpConnection>(conn), self](auto e) {
          auto c = weak.lock();
          if (e || !c || c->path != 0) return;
          self->close_connection(c.get());
        });
        conn->read();
      }
    } else if (ec == asio::error::operation_aborted) {
      return;
    }
    self->accept();
  });
}

void RtcMediaPort::State::close_connection(TcpConnection* raw) {
  auto it = connections.find(raw);
  if (it == connections.end()) return;
  auto conn = it->second;
  connections.erase(it);
  metrics.tcp_connections->set(static_cast<int64_t>(connections.size()));
  conn->closed = true;
  boost::system::error_code ignored;
  conn->check_timer.cancel();
  conn->socket.close(ignored);
  if (conn->path != 0) {
    const RtcPathId id = conn->path;
    conn->path = 0;
    drop_path(id, true);
  }
}

RtcMediaPort::RtcMediaPort(asio::io_context& io, RtcMediaPortOptions options,
                           MetricsRegistry& metrics)
    : state_(std::make_shared<State>(io, std::move(options), metrics)) {}

RtcMediaPort::~RtcMediaPort() {
  stop();
}

Result<void> RtcMediaPort::start() {
  State& s = *state_;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(s.options.host, ec);
  if (ec) return make_error("webrtc_listen", "webrtc.host is not an IP address: " + s.options.host);
  if (s.options.udp) {
    udp::endpoint endpoint(address, s.options.udp_port);
    s.udp_socket.open(endpoint.protocol(), ec);
    if (!ec) s.udp_socket.bind(endpoint, ec);
    if (ec) {
      return make_error(
          "webrtc_listen",
          "cannot bind UDP " + endpoint_text(address, s.options.udp_port) + ": " + ec.message());
    }
    // Bursts of a key frame arrive faster than one thread drains them.
    s.udp_socket.set_option(asio::socket_base::receive_buffer_size(4 * 1024 * 1024), ec);
    ec.clear();
    // A send that would block drops the packet instead (RTCP and STUN answers are retried by
    // their protocols); the port's thread never waits on a socket buffer.
    s.udp_socket.non_blocking(true, ec);
    ec.clear();
    s.udp_port = s.udp_socket.local_endpoint().port();
  }
  if (s.options.tcp) {
    tcp::endpoint endpoint(address, s.options.tcp_port);
    s.acceptor.open(endpoint.protocol(), ec);
    if (!ec) s.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) s.acceptor.bind(endpoint, ec);
    if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return make_error("webrtc_listen", "cannot listen on TCP " +
                                             endpoint_text(address, s.options.tcp_port) + ": " +
                                             ec.message());
    }
    s.tcp_port = s.acceptor.local_endpoint().port();
  }
  asio::post(s.io, [st = state_] {
    if (st->stopped) return;
    if (st->udp_socket.is_open()) st->receive_udp();
    if (st->acceptor.is_open()) st->accept();
  });
  return {};
}

void RtcMediaPort::stop() {
  auto st = state_;
  if (!st) return;
  // The sockets belong to the port's thread; when the io_context no longer runs, closing here
  // is safe too (nothing else touches them).
  auto close_all = [st] {
    if (st->stopped) return;
    st->stopped = true;
    boost::system::error_code ignored;
    st->udp_socket.close(ignored);
    st->acceptor.close(ignored);
    std::vector<TcpConnection*> open;
    for (auto& [raw, conn] : st->connections) open.push_back(raw);
    for (auto* raw : open) st->close_connection(raw);
    st->sessions.clear();
    st->paths.clear();
    st->udp_paths.clear();
  };
  if (st->io.stopped() || st->io.get_executor().running_in_this_thread()) {
    close_all();
  } else {
    asio::post(st->io, close_all);
  }
}

uint16_t RtcMediaPort::udp_port() const {
  return state_->udp_port;
}
uint16_t RtcMediaPort::tcp_port() const {
  return state_->tcp_port;
}
asio::io_context& RtcMediaPort::context() {
  return state_->io;
}

void RtcMediaPort::add_session(std::shared_ptr<RtcPortSession> session) {
  const std::string ufrag = session->local_ice().ufrag;
  state_->sessions[ufrag] = std::move(session);
}

void RtcMediaPort::remove_session(const std::string& local_ufrag) {
  State& s = *state_;
  std::vector<RtcPathId> mine;
  for (const auto& [id, p] : s.paths) {
    if (p.ufrag == local_ufrag) mine.push_back(id);
  }
  for (RtcPathId id : mine) s.drop_path(id, false);
  s.sessions.erase(local_ufrag);
}

bool RtcMediaPort::send(RtcPathId path, Bytes packet) {
  State& s = *state_;
  auto it = s.paths.find(path);
  if (it == s.paths.end() || s.stopped) return false;
  if (it->second.tcp) {
    auto conn = it->second.conn.lock();
    return conn && conn->send(std::move(packet), s);
  }
  boost::system::error_code ec;
  s.udp_socket.send_to(asio::buffer(packet), it->second.udp_remote, 0, ec);
  return !ec;
}

std::string RtcMediaPort::describe(RtcPathId path) const {
  auto it = state_->paths.find(path);
  if (it == state_->paths.end()) return {};
  if (!it->second.tcp) {
    return "udp " + endpoint_text(it->second.udp_remote.address(), it->second.udp_remote.port());
  }
  auto conn = it->second.conn.lock();
  return conn ? "tcp " + endpoint_text(conn->address, conn->port) : "tcp";
}

}  // namespace stagecast::rtc
