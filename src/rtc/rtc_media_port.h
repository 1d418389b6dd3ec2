#pragma once
// The one media port every WebRTC session shares (DESIGN.md rtc/, docs/webrtc.md): a UDP socket
// and a TCP listener for passive ICE-TCP (RFC 6544, RFC 4571 framing), so a publisher whose
// network blocks UDP needs no TURN server.
//
// Demultiplexing: a datagram is classified by its first byte (RFC 7983). STUN goes to the session
// whose local ufrag the USERNAME names (RFC 8445 7.2.2) and is answered here, ICE-lite (RFC 8445
// 2.5): a request that passes every check makes its 5-tuple a *path* of that session. Every other
// datagram is delivered only from a path, to the session the path belongs to; anything else is
// dropped and counted. So DTLS, SRTP and RTCP only ever reach a session from an address that
// proved it knows the session's ICE password.
//
// Threading: the port and every session it serves run on one io_context (the caller's thread
// for that context); sessions are called on it and must call back on it. Other threads reach the
// port with post(context()).

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/bytes.h"
#include "core/metrics.h"
#include "core/result.h"
#include "rtc/ice_binding.h"
#include "rtc/packet_demux.h"

namespace stagecast::rtc {

using RtcPathId = uint64_t;

// A session as the port sees it.
class RtcPortSession {
 public:
  virtual ~RtcPortSession() = default;
  virtual const IceCredentials& local_ice() const = 0;
  // A Binding request on `path` passed every check and was answered with a success.
  virtual void on_binding(RtcPathId path, bool use_candidate) = 0;
  // DTLS, RTP or RTCP from one of the session's paths.
  virtual void on_packet(RtcPathId path, PacketKind kind, Bytes packet) = 0;
  // The path is gone (its TCP connection closed, or another session took its address).
  virtual void on_path_closed(RtcPathId path) = 0;
};

struct RtcMediaPortOptions {
  std::string host = "0.0.0.0";
  uint16_t udp_port = 8189;  // 0 = ephemeral (tests)
  uint16_t tcp_port = 8189;  // 0 = ephemeral
  bool udp = true;
  bool tcp = true;
  size_t max_tcp_connections = 1000;
  // A TCP connection must pass an ICE check within this time, or it is closed: a flood of idle
  // connections cannot hold the port.
  std::chrono::milliseconds tcp_check_timeout{10'000};
  size_t max_tcp_write_queue_bytes = 1024 * 1024;
  size_t max_paths_per_session = 8;
};

class RtcMediaPort {
 public:
  // `io` runs the port and its sessions; `metrics` must outlive the port.
  RtcMediaPort(boost::asio::io_context& io, RtcMediaPortOptions options, MetricsRegistry& metrics);
  ~RtcMediaPort();
  RtcMediaPort(const RtcMediaPort&) = delete;
  RtcMediaPort& operator=(const RtcMediaPort&) = delete;

  // Binds the enabled sockets (any thread, before the io_context runs or on its thread).
  // Error "webrtc_listen" when an address cannot be bound.
  Result<void> start();
  // Closes the sockets and every TCP connection (any thread).
  void stop();

  uint16_t udp_port() const;
  uint16_t tcp_port() const;
  boost::asio::io_context& context();

  // On the port's thread only.
  void add_session(std::shared_ptr<RtcPortSession> session);
  void remove_session(const std::string& local_ufrag);
  // Sends one packet on a path (framed per RFC 4571 on TCP). False when the path is gone or its
  // TCP write queue is full (the packet is dropped: media is not worth a growing queue).
  bool send(RtcPathId path, Bytes packet);
  // "udp 1.2.3.4:5" or "tcp ..." for logs; empty when unknown.
  std::string describe(RtcPathId path) const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace stagecast::rtc
