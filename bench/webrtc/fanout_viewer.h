#pragma once
// One WebRTC viewer of the fan-out benchmark, on the project's own rtc/ code: a UDP socket
// connected to the server's candidate; ICE checks (controlling with USE-CANDIDATE against an
// ICE-lite server such as Stagecast, controlled against a full agent such as Janus, whose checks
// it answers); the DTLS client (rtc::DtlsTransport, role Client); then SRTP packets counted by
// their clear RTP header, never decrypted. Per track: packets, sequence gaps (lost), and for
// video each packet's delay against the media clock (arrival minus RTP time), from which the
// benchmark derives lateness (see fanout_viewers.cpp).

#include <netinet/in.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "rtc/dtls_certificate.h"
#include "rtc/dtls_transport.h"
#include "rtc/ice_binding.h"

namespace stagecast::bench {

using Clock = std::chrono::steady_clock;

// What the remote description says that the viewer needs.
struct RemoteDescription {
  rtc::IceCredentials ice;
  std::string fingerprint;  // sha-256, "AB:CD:..."
  sockaddr_in candidate{};  // the first IPv4 UDP host candidate
  int video_pt = -1;
  int audio_pt = -1;
  bool ice_lite = false;
};

// Parses an offer or an answer; throws std::runtime_error when something needed is missing.
RemoteDescription read_remote_description(const std::string& sdp);

struct TrackStats {
  uint64_t packets = 0;              // in the window
  uint64_t bytes = 0;                // in the window
  int64_t first_seq = -1;            // extended, first in the window
  int64_t max_seq = -1;              // extended, highest in the window
  int64_t ext_seq = -1;              // extended, last seen (lifetime)
  int64_t ext_ts = -1;               // extended RTP timestamp, last seen (lifetime)
  int64_t min_delay_us = INT64_MAX;  // lifetime best of arrival - RTP time
  std::vector<int64_t> delays_us;    // this window's (video only)
  uint64_t lost() const {
    if (first_seq < 0) return 0;
    const int64_t expected = max_seq - first_seq + 1;
    return expected > static_cast<int64_t>(packets) ? static_cast<uint64_t>(expected) - packets : 0;
  }
};

class Viewer {
 public:
  // `local_ip`: the address to bind (and to announce); `controlling` is the ICE role.
  Viewer(int index, const rtc::DtlsCertificate& certificate, const std::string& local_ip);
  ~Viewer();
  Viewer(const Viewer&) = delete;
  Viewer& operator=(const Viewer&) = delete;

  int fd() const { return fd_; }
  int index() const { return index_; }
  const rtc::IceCredentials& local_ice() const { return local_ice_; }
  uint16_t local_port() const { return local_port_; }
  const std::string& local_ip() const { return local_ip_; }

  // The remote side is known: connect the socket and start ICE.
  void connect(const RemoteDescription& remote, bool controlling, Clock::time_point now);

  // Drains the socket (recvmmsg with kernel timestamps).
  void on_readable(Clock::time_point now);
  // Checks, consent and DTLS retransmission.
  void on_timer(Clock::time_point now);

  bool ice_connected() const { return ice_ok_; }
  bool dtls_connected() const { return dtls_ && dtls_->state() == rtc::DtlsState::Connected; }
  bool failed() const { return dtls_ && dtls_->state() == rtc::DtlsState::Failed; }
  std::string failure() const;

  // A measured window: clears the window's counters.
  void begin_window();
  void set_measuring(bool on) { measuring_ = on; }
  TrackStats& video() { return video_; }
  TrackStats& audio() { return audio_; }
  uint64_t kernel_drops() const { return kernel_drops_; }
  uint64_t rtcp_packets() const { return rtcp_packets_; }
  uint64_t other_packets() const { return other_packets_; }

  // Opaque per-target data (the WHEP session URL, the Janus session).
  std::string whep_location;

 private:
  void handle_datagram(const uint8_t* data, size_t size, const sockaddr_in& from,
                       int64_t arrival_us, Clock::time_point now);
  void handle_stun(const uint8_t* data, size_t size, const sockaddr_in& from,
                   Clock::time_point now);
  void handle_rtp(const uint8_t* data, size_t size, int64_t arrival_us);
  void send_check(Clock::time_point now);
  void send(const Bytes& datagram);
  void send_all(const std::vector<Bytes>& datagrams);

  int index_;
  const rtc::DtlsCertificate& certificate_;
  std::string local_ip_;
  int fd_ = -1;
  uint16_t local_port_ = 0;
  rtc::IceCredentials local_ice_;
  RemoteDescription remote_;
  bool connected_socket_ = false;
  bool controlling_ = true;
  uint64_t tie_breaker_ = 0;
  bool ice_ok_ = false;
  Clock::time_point next_check_{};
  std::unique_ptr<rtc::DtlsTransport> dtls_;
  bool measuring_ = false;
  TrackStats video_;
  TrackStats audio_;
  uint64_t kernel_drops_ = 0;
  uint64_t rtcp_packets_ = 0;
  uint64_t other_packets_ = 0;
};

}  // namespace stagecast::bench
