#include "fanout_viewer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <random>
#include <sstream>
#include <stdexcept>

#include "rtc/rtp_packet.h"
#include "rtc/sdp_description.h"
#include "rtc/stun_message.h"

namespace stagecast::bench {

namespace {

constexpr int kBatch = 32;
constexpr size_t kMaxDatagram = 2048;
// ICE: a check every 50 ms until one succeeds, then every 2.5 s (consent, RFC 7675: the server
// ends a session without a check for 30 s).
constexpr auto kCheckInterval = std::chrono::milliseconds(50);
constexpr auto kConsentInterval = std::chrono::milliseconds(2500);

uint64_t random_u64() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

rtc::StunAddress to_stun_address(const sockaddr_in& a) {
  rtc::StunAddress out;
  std::memcpy(out.ip.data(), &a.sin_addr.s_addr, 4);
  out.port = ntohs(a.sin_port);
  return out;
}

}  // namespace

RemoteDescription read_remote_description(const std::string& sdp) {
  auto parsed = rtc::parse_sdp(sdp);
  if (!parsed.ok()) throw std::runtime_error("remote SDP: " + parsed.error().message);
  RemoteDescription out;
  out.ice_lite = parsed->ice_lite;
  bool have_candidate = false;
  for (const auto& m : parsed->media) {
    if (m.port == 0) continue;
    if (out.ice.ufrag.empty()) out.ice = {m.ice_ufrag, m.ice_pwd};
    if (out.fingerprint.empty() && m.fingerprint && m.fingerprint->algorithm == "sha-256") {
      out.fingerprint = m.fingerprint->value;
    }
    for (const auto& map : m.rtpmaps) {
      std::string enc = map.encoding;
      for (char& c : enc) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (m.kind == "video" && enc == "h264" && out.video_pt < 0) out.video_pt = map.payload_type;
      if (m.kind == "audio" && enc == "opus" && out.audio_pt < 0) out.audio_pt = map.payload_type;
    }
  }
  // a=candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type>
  std::istringstream lines(sdp);
  std::string line;
  while (!have_candidate && std::getline(lines, line)) {
    if (line.rfind("a=candidate:", 0) != 0) continue;
    std::istringstream f(line.substr(12));
    std::string foundation, component, transport, priority, address, port, typ, type;
    f >> foundation >> component >> transport >> priority >> address >> port >> typ >> type;
    for (char& c : transport) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (component != "1" || transport != "udp" || type != "host") continue;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    if (inet_pton(AF_INET, address.c_str(), &a.sin_addr) != 1) continue;  // IPv4 only
    a.sin_port = htons(static_cast<uint16_t>(std::stoi(port)));
    out.candidate = a;
    have_candidate = true;
  }
  if (out.ice.ufrag.empty() || out.ice.password.empty()) {
    throw std::runtime_error("remote SDP without ICE credentials");
  }
  if (out.fingerprint.empty()) throw std::runtime_error("remote SDP without a sha-256 fingerprint");
  if (!have_candidate) throw std::runtime_error("remote SDP without an IPv4 UDP host candidate");
  if (out.video_pt < 0) throw std::runtime_error("remote SDP without H.264");
  return out;
}

Viewer::Viewer(int index, const rtc::DtlsCertificate& certificate, const std::string& local_ip)
    : index_(index),
      certificate_(certificate),
      local_ip_(local_ip),
      local_ice_(rtc::fresh_ice_credentials()),
      tie_breaker_(random_u64()) {
  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  int on = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  ::setsockopt(fd_, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on);
  int rcvbuf = 1 << 20;  // a key frame burst while the generator is busy elsewhere
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  if (inet_pton(AF_INET, local_ip.c_str(), &local.sin_addr) != 1) {
    throw std::runtime_error("bad local address " + local_ip);
  }
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    throw std::runtime_error(std::string("bind: ") + std::strerror(errno));
  }
  socklen_t len = sizeof local;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &len);
  local_port_ = ntohs(local.sin_port);
}

Viewer::~Viewer() {
  if (fd_ >= 0) ::close(fd_);
}

void Viewer::connect(const RemoteDescription& remote, bool controlling, Clock::time_point now) {
  remote_ = remote;
  controlling_ = controlling;
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&remote_.candidate),
                sizeof remote_.candidate) != 0) {
    throw std::runtime_error(std::string("connect: ") + std::strerror(errno));
  }
  connected_socket_ = true;
  rtc::DtlsTransportOptions options;
  options.role = rtc::DtlsRole::Client;
  options.initial_retransmit = std::chrono::milliseconds(200);
  auto dtls =
      rtc::DtlsTransport::create(certificate_, {{"sha-256", remote_.fingerprint}}, now, options);
  if (!dtls.ok()) throw std::runtime_error("DTLS: " + dtls.error().message);
  dtls_ = std::move(dtls).value();
  next_check_ = now;
  send_check(now);
}

std::string Viewer::failure() const {
  if (dtls_ && dtls_->failure()) return dtls_->failure()->code;
  return {};
}

void Viewer::begin_window() {
  for (TrackStats* t : {&video_, &audio_}) {
    t->packets = 0;
    t->bytes = 0;
    t->first_seq = -1;
    t->max_seq = -1;
    t->delays_us.clear();
  }
}

void Viewer::send(const Bytes& datagram) {
  if (!connected_socket_) return;
  (void)::send(fd_, datagram.data(), datagram.size(), MSG_DONTWAIT);
}

void Viewer::send_all(const std::vector<Bytes>& datagrams) {
  for (const auto& d : datagrams) send(d);
}

void Viewer::send_check(Clock::time_point now) {
  rtc::StunTransactionId id{};
  for (auto& b : id) b = static_cast<uint8_t>(random_u64());
  rtc::StunMessageBuilder b(rtc::kStunBindingMethod, rtc::StunClass::Request, id);
  b.add_string(rtc::stun_attr::kUsername, remote_.ice.ufrag + ":" + local_ice_.ufrag);
  b.add_u32(rtc::stun_attr::kPriority, 1853824767);  // peer-reflexive, RFC 8445 5.1.2
  if (controlling_) {
    b.add_u64(rtc::stun_attr::kIceControlling, tie_breaker_);
    b.add(rtc::stun_attr::kUseCandidate, {});
  } else {
    b.add_u64(rtc::stun_attr::kIceControlled, tie_breaker_);
  }
  send(b.finish(remote_.ice.password, true));
  next_check_ = now + (ice_ok_ ? kConsentInterval : kCheckInterval);
}

void Viewer::on_timer(Clock::time_point now) {
  if (!connected_socket_) return;
  if (now >= next_check_) send_check(now);
  if (dtls_ && dtls_->state() == rtc::DtlsState::Connecting) {
    auto at = dtls_->next_timeout(now);
    if (at && now >= *at) send_all(dtls_->handle_timeout(now));
  }
}

void Viewer::on_readable(Clock::time_point now) {
  std::array<std::array<uint8_t, kMaxDatagram>, kBatch> buffers;
  std::array<std::array<char, 128>, kBatch> controls;
  std::array<sockaddr_in, kBatch> names;
  std::array<iovec, kBatch> iovs;
  std::array<mmsghdr, kBatch> msgs;
  for (;;) {
    for (int i = 0; i < kBatch; ++i) {
      iovs[i] = {buffers[i].data(), buffers[i].size()};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &names[i];
      msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
      msgs[i].msg_hdr.msg_control = controls[i].data();
      msgs[i].msg_hdr.msg_controllen = controls[i].size();
    }
    int n = ::recvmmsg(fd_, msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) return;
    for (int i = 0; i < n; ++i) {
      int64_t arrival_us = 0;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c != nullptr;
           c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
        if (c->cmsg_level != SOL_SOCKET) continue;
        if (c->cmsg_type == SCM_TIMESTAMPNS) {
          timespec ts{};
          std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
          arrival_us = static_cast<int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
        } else if (c->cmsg_type == SO_RXQ_OVFL) {
          uint32_t drops = 0;
          std::memcpy(&drops, CMSG_DATA(c), sizeof drops);
          kernel_drops_ = drops;
        }
      }
      if (arrival_us == 0) {
        timespec ts{};
        ::clock_gettime(CLOCK_REALTIME, &ts);
        arrival_us = static_cast<int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
      }
      handle_datagram(buffers[i].data(), msgs[i].msg_len, names[i], arrival_us, now);
    }
    if (n < kBatch) return;
  }
}

void Viewer::handle_datagram(const uint8_t* data, size_t size, const sockaddr_in& from,
                             int64_t arrival_us, Clock::time_point now) {
  if (size == 0) return;
  const uint8_t first = data[0];
  if (first <= 3) {
    handle_stun(data, size, from, now);
  } else if (first >= 20 && first <= 63) {
    if (dtls_) send_all(dtls_->receive(ByteSpan(data, size), now));
  } else if (first >= 128 && first <= 191 && size >= 12) {
    const uint8_t pt = data[1] & 0x7f;
    if (pt >= 64 && pt <= 95) {  // RTCP (RFC 5761 4: 192-223 with the marker bit)
      ++rtcp_packets_;
      return;
    }
    handle_rtp(data, size, arrival_us);
  } else {
    ++other_packets_;
  }
}

void Viewer::handle_stun(const uint8_t* data, size_t size, const sockaddr_in& from,
                         Clock::time_point now) {
  auto message = rtc::StunMessage::parse(ByteSpan(data, size));
  if (!message.ok() || message->method() != rtc::kStunBindingMethod) return;
  switch (message->message_class()) {
    case rtc::StunClass::Request: {
      // A full agent's check (Janus): answer it with our password.
      if (!message->message_integrity_valid(local_ice_.password)) return;
      send(rtc::build_binding_success(message->transaction_id(), to_stun_address(from),
                                      local_ice_.password));
      return;
    }
    case rtc::StunClass::SuccessResponse: {
      if (!message->message_integrity_valid(remote_.ice.password)) return;
      if (!ice_ok_) {
        ice_ok_ = true;
        next_check_ = now + kConsentInterval;
        if (dtls_) send_all(dtls_->start(now));
      }
      return;
    }
    case rtc::StunClass::ErrorResponse: {
      auto error = message->error_code();
      if (error && error->code == 487) {  // role conflict (RFC 8445 7.3.1.1): switch
        controlling_ = !controlling_;
        next_check_ = now;
      }
      return;
    }
    default:
      return;
  }
}

void Viewer::handle_rtp(const uint8_t* data, size_t size, int64_t arrival_us) {
  const int pt = data[1] & 0x7f;
  TrackStats* track = nullptr;
  int64_t clock = 0;
  if (pt == remote_.video_pt) {
    track = &video_;
    clock = 90000;
  } else if (pt == remote_.audio_pt) {
    track = &audio_;
    clock = 48000;
  } else {
    ++other_packets_;  // RTX and anything else
    return;
  }
  const uint16_t seq = static_cast<uint16_t>((data[2] << 8) | data[3]);
  const uint32_t ts = (static_cast<uint32_t>(data[4]) << 24) |
                      (static_cast<uint32_t>(data[5]) << 16) |
                      (static_cast<uint32_t>(data[6]) << 8) | data[7];
  track->ext_seq = track->ext_seq < 0 ? seq : rtc::unwrap_sequence(track->ext_seq, seq);
  track->ext_ts = track->ext_ts < 0 ? ts : rtc::unwrap_timestamp(track->ext_ts, ts);
  const int64_t delay_us = arrival_us - track->ext_ts * 1'000'000 / clock;
  if (delay_us < track->min_delay_us) track->min_delay_us = delay_us;
  if (!measuring_) return;
  ++track->packets;
  track->bytes += size;
  if (track->first_seq < 0) track->first_seq = track->ext_seq;
  if (track->ext_seq > track->max_seq) track->max_seq = track->ext_seq;
  if (track == &video_) track->delays_us.push_back(delay_us);
}

}  // namespace stagecast::bench
