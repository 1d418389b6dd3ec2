// WebRTC fan-out load generator (bench/webrtc/fanout.mjs; issue #17's fan-out benchmark): holds
// hundreds of viewers of one stream on one thread, on the project's own rtc/ code (see
// fanout_viewer.h), against Stagecast over WHEP or Janus's streaming plugin over its HTTP API.
//
// Viewers are added in steps (--steps 25,50,100,...). At each step, once the new viewers are
// connected and have settled, one window of --measure-s seconds is measured:
//   - the server's CPU (utime + stime of --server-pid from /proc) over the window, in % of a core,
//     and per viewer;
//   - the generator's own CPU (getrusage), so that it is seen not to be the limit;
//   - per viewer, video and audio packets, and packets lost (sequence gaps);
//   - late packets: a video packet's delay is its arrival (the kernel's receive timestamp,
//     SO_TIMESTAMPNS) minus its RTP time; its lateness is that delay minus the smallest delay the
//     same viewer has seen since it joined. The source paces in real time, so lateness is what
//     the path (the server's queueing, mostly) added to this packet beyond the best case. A
//     packet more than --late-ms (50) late is late.
// A step holds when every viewer received video, none was lost and none was late. One JSON line
// per step on stdout; progress on stderr.
//
// usage: fanout_viewers --target whep --whep-url http://127.0.0.1:P/whep/ID
//        fanout_viewers --target janus --janus-url http://127.0.0.1:P/janus --mountpoint 1
//        [--local-ip 127.0.0.1] [--steps 25,50,100] [--settle-s 4] [--measure-s 10]
//        [--late-ms 50] [--server-pid PID] [--baseline-s 5] [--stop-on-fail]

#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fanout_signalling.h"
#include "fanout_viewer.h"
#include "rtc/sdp_description.h"

namespace stagecast::bench {
namespace {

using json = nlohmann::json;

struct Options {
  std::string target = "whep";
  std::string whep_url;
  std::string janus_url;
  int mountpoint = 1;
  std::string local_ip = "127.0.0.1";
  std::vector<int> steps = {25, 50, 100};
  double settle_s = 4;
  double measure_s = 10;
  double late_ms = 50;
  int server_pid = 0;
  double baseline_s = 0;
  bool stop_on_fail = false;
};

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("missing value for " + a);
      return argv[++i];
    };
    if (a == "--target")
      o.target = value();
    else if (a == "--whep-url")
      o.whep_url = value();
    else if (a == "--janus-url")
      o.janus_url = value();
    else if (a == "--mountpoint")
      o.mountpoint = std::stoi(value());
    else if (a == "--local-ip")
      o.local_ip = value();
    else if (a == "--settle-s")
      o.settle_s = std::stod(value());
    else if (a == "--measure-s")
      o.measure_s = std::stod(value());
    else if (a == "--late-ms")
      o.late_ms = std::stod(value());
    else if (a == "--server-pid")
      o.server_pid = std::stoi(value());
    else if (a == "--baseline-s")
      o.baseline_s = std::stod(value());
    else if (a == "--stop-on-fail")
      o.stop_on_fail = true;
    else if (a == "--steps") {
      o.steps.clear();
      std::stringstream s(value());
      std::string item;
      while (std::getline(s, item, ',')) o.steps.push_back(std::stoi(item));
    } else {
      throw std::runtime_error("unknown option " + a);
    }
  }
  if (o.target == "whep" && o.whep_url.empty()) throw std::runtime_error("--whep-url needed");
  if (o.target == "janus" && o.janus_url.empty()) throw std::runtime_error("--janus-url needed");
  if (o.target != "whep" && o.target != "janus") throw std::runtime_error("--target whep|janus");
  return o;
}

double process_cpu_seconds(int pid) {
  if (pid <= 0) return 0;
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const size_t close = s.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(s.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; rest >> field; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stod(field);
    if (i == 15) {
      stime = std::stod(field);
      break;
    }
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double own_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

// Our WHEP offer: receive-only H.264 (constrained baseline, packetization-mode 1) and Opus,
// BUNDLE and rtcp-mux, the DTLS role left to the server (actpass; Stagecast answers passive).
std::string whep_offer_sdp(const Viewer& v, const rtc::DtlsCertificate& cert) {
  std::ostringstream s;
  auto common = [&](const char* mid) {
    s << "c=IN IP4 " << v.local_ip() << "\r\n"
      << "a=ice-ufrag:" << v.local_ice().ufrag << "\r\n"
      << "a=ice-pwd:" << v.local_ice().password << "\r\n"
      << "a=fingerprint:sha-256 " << cert.fingerprint_sha256() << "\r\n"
      << "a=setup:actpass\r\n"
      << "a=mid:" << mid << "\r\n"
      << "a=recvonly\r\n"
      << "a=rtcp-mux\r\n";
  };
  s << "v=0\r\no=- " << (1000 + v.index()) << " 2 IN IP4 " << v.local_ip() << "\r\ns=-\r\nt=0 0\r\n"
    << "a=group:BUNDLE 0 1\r\n";
  s << "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n";
  common("0");
  s << "a=rtpmap:96 H264/90000\r\n"
    << "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"
    << "a=fmtp:96 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
    << "a=candidate:1 1 udp 2130706431 " << v.local_ip() << " " << v.local_port()
    << " typ host\r\n";
  s << "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
  common("1");
  s << "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n";
  return s.str();
}

// Our answer to Janus's offer: each m= line accepted receive-only with its first payload type,
// we are the DTLS client (setup:active), one host candidate.
std::string janus_answer_sdp(const std::string& offer, const Viewer& v,
                             const rtc::DtlsCertificate& cert) {
  auto parsed = rtc::parse_sdp(offer);
  if (!parsed.ok()) throw std::runtime_error("Janus offer: " + parsed.error().message);
  std::ostringstream s;
  s << "v=0\r\no=- " << (1000 + v.index()) << " 2 IN IP4 " << v.local_ip() << "\r\ns=-\r\nt=0 0\r\n"
    << "a=group:BUNDLE";
  for (const auto& m : parsed->media) s << " " << m.mid;
  s << "\r\n";
  for (const auto& m : parsed->media) {
    if (m.formats.empty()) continue;
    const std::string& pt = m.formats.front();
    s << "m=" << m.kind << " 9 " << m.protocol << " " << pt << "\r\n"
      << "c=IN IP4 " << v.local_ip() << "\r\n"
      << "a=ice-ufrag:" << v.local_ice().ufrag << "\r\n"
      << "a=ice-pwd:" << v.local_ice().password << "\r\n"
      << "a=fingerprint:sha-256 " << cert.fingerprint_sha256() << "\r\n"
      << "a=setup:active\r\n"
      << "a=mid:" << m.mid << "\r\n"
      << "a=recvonly\r\na=rtcp-mux\r\n";
    if (const auto* map = m.rtpmap(std::stoi(pt))) {
      s << "a=rtpmap:" << pt << " " << map->encoding << "/" << map->clock_rate;
      if (map->channels > 0) s << "/" << map->channels;
      s << "\r\n";
    }
    const std::string fmtp = m.fmtp(std::stoi(pt));
    if (!fmtp.empty()) s << "a=fmtp:" << pt << " " << fmtp << "\r\n";
    if (m.kind == "video")
      s << "a=rtcp-fb:" << pt << " nack\r\na=rtcp-fb:" << pt << " nack pli\r\n";
    s << "a=candidate:1 1 udp 2130706431 " << v.local_ip() << " " << v.local_port()
      << " typ host\r\na=end-of-candidates\r\n";
  }
  return s.str();
}

class Generator {
 public:
  explicit Generator(Options o) : o_(std::move(o)) {
    auto cert = rtc::DtlsCertificate::generate("fanout-viewer");
    if (!cert.ok()) throw std::runtime_error("certificate: " + cert.error().message);
    cert_ = std::make_unique<rtc::DtlsCertificate>(std::move(cert).value());
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (!o_.whep_url.empty()) whep_ = parse_http_url(o_.whep_url);
    if (!o_.janus_url.empty()) janus_ = parse_http_url(o_.janus_url);
  }
  ~Generator() {
    for (auto& v : viewers_) {
      if (!v->whep_location.empty()) whep_delete(whep_, v->whep_location);
    }
    for (auto& j : janus_viewers_) j->destroy();
    ::close(epoll_);
  }

  int run() {
    if (o_.baseline_s > 0) measure(0);
    bool ok = true;
    for (int n : o_.steps) {
      add_viewers(n);
      wait_connected(std::chrono::seconds(15));
      pump_for(std::chrono::duration<double>(o_.settle_s));
      ok = measure(n);
      if (!ok && o_.stop_on_fail) break;
    }
    return 0;
  }

 private:
  long elapsed() const {
    return static_cast<long>(
        std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started_).count());
  }

  void add_viewers(int n) {
    while (static_cast<int>(viewers_.size()) < n) {
      const int index = static_cast<int>(viewers_.size());
      auto v = std::make_unique<Viewer>(index, *cert_, o_.local_ip);
      try {
        if (o_.target == "whep") {
          WhepAnswer answer = whep_offer(whep_, whep_offer_sdp(*v, *cert_));
          v->whep_location = answer.location;
          v->connect(read_remote_description(answer.sdp), /*controlling=*/true, Clock::now());
        } else {
          auto j = std::make_unique<JanusViewer>(janus_);
          const std::string offer = j->watch(o_.mountpoint);
          j->start(janus_answer_sdp(offer, *v, *cert_));
          // Janus offered, so it is the controlling agent (RFC 8445 6.1.1).
          v->connect(read_remote_description(offer), /*controlling=*/false, Clock::now());
          janus_viewers_.push_back(std::move(j));
        }
      } catch (const std::exception& e) {
        std::cerr << "viewer " << index << ": " << e.what() << "\n";
        ++signalling_failures_;
        if (signalling_failures_ > 10) throw;
        continue;
      }
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u32 = static_cast<uint32_t>(index);
      epoll_ctl(epoll_, EPOLL_CTL_ADD, v->fd(), &ev);
      viewers_.push_back(std::move(v));
      pump_for(std::chrono::milliseconds(0));
    }
  }

  size_t connected() const {
    return static_cast<size_t>(std::count_if(viewers_.begin(), viewers_.end(),
                                             [](const auto& v) { return v->dtls_connected(); }));
  }

  void wait_connected(std::chrono::seconds limit) {
    const auto deadline = Clock::now() + limit;
    while (connected() < viewers_.size() && Clock::now() < deadline) {
      pump_for(std::chrono::milliseconds(50));
    }
    std::cerr << o_.target << ": " << connected() << "/" << viewers_.size()
              << " viewers connected (" << elapsed() << " s)\n";
    for (const auto& v : viewers_) {
      if (!v->dtls_connected()) {
        std::cerr << "  viewer " << v->index() << " not connected (ice "
                  << (v->ice_connected() ? "ok" : "no") << ", " << v->failure() << ")\n";
        break;
      }
    }
  }

  void pump_for(std::chrono::duration<double> d) {
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(d);
    std::array<epoll_event, 256> events;
    do {
      const auto now = Clock::now();
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
      int timeout = static_cast<int>(std::clamp<long long>(left, 0, 10));
      int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), timeout);
      const auto after = Clock::now();
      for (int i = 0; i < n; ++i) viewers_[events[i].data.u32]->on_readable(after);
      if (after >= next_timers_) {
        for (auto& v : viewers_) v->on_timer(after);
        next_timers_ = after + std::chrono::milliseconds(20);
      }
    } while (Clock::now() < deadline);
  }

  bool measure(int n) {
    for (auto& v : viewers_) {
      v->begin_window();
      v->set_measuring(true);
    }
    uint64_t drops_before = 0;
    for (auto& v : viewers_) drops_before += v->kernel_drops();
    const double server0 = process_cpu_seconds(o_.server_pid);
    const double own0 = own_cpu_seconds();
    const auto t0 = Clock::now();
    pump_for(std::chrono::duration<double>(n == 0 ? o_.baseline_s : o_.measure_s));
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const double server_cpu = (process_cpu_seconds(o_.server_pid) - server0) / seconds * 100;
    const double own_cpu = (own_cpu_seconds() - own0) / seconds * 100;
    for (auto& v : viewers_) v->set_measuring(false);

    uint64_t video = 0, audio = 0, lost = 0, late = 0, bytes = 0, drops = 0;
    size_t receiving = 0;
    std::vector<int64_t> lateness;
    const auto late_us = static_cast<int64_t>(o_.late_ms * 1000);
    for (auto& v : viewers_) {
      TrackStats& vt = v->video();
      video += vt.packets;
      audio += v->audio().packets;
      bytes += vt.bytes + v->audio().bytes;
      lost += vt.lost() + v->audio().lost();
      drops += v->kernel_drops();
      if (vt.packets > 0) ++receiving;
      for (int64_t d : vt.delays_us) {
        const int64_t l = d - vt.min_delay_us;
        lateness.push_back(l);
        if (l > late_us) ++late;
      }
    }
    drops -= drops_before;
    std::sort(lateness.begin(), lateness.end());
    auto pct = [&](double p) {
      if (lateness.empty()) return 0.0;
      size_t i = std::min(lateness.size() - 1, static_cast<size_t>(p / 100 * lateness.size()));
      return lateness[i] / 1000.0;
    };
    const bool holds = n == 0 || (receiving == viewers_.size() &&
                                  static_cast<int>(receiving) == n && late == 0 && lost == 0);
    json line{{"target", o_.target},
              {"viewers", n},
              {"connected", connected()},
              {"receiving", receiving},
              {"seconds", seconds},
              {"server_cpu_pct", server_cpu},
              {"generator_cpu_pct", own_cpu},
              {"video_packets", video},
              {"audio_packets", audio},
              {"mbps_per_viewer", n > 0 ? bytes * 8 / seconds / 1e6 / n : 0.0},
              {"lost", lost},
              {"kernel_drops", drops},
              {"late", late},
              {"late_ms", o_.late_ms},
              {"lateness_p50_ms", pct(50)},
              {"lateness_p99_ms", pct(99)},
              {"lateness_max_ms", lateness.empty() ? 0.0 : lateness.back() / 1000.0},
              {"holds", holds}};
    std::cout << line.dump() << std::endl;
    std::cerr << o_.target << " " << n << " viewers: server " << static_cast<int>(server_cpu)
              << "% cpu, generator " << static_cast<int>(own_cpu) << "%, late " << late << ", lost "
              << lost << ", p99 lateness " << pct(99) << " ms, "
              << (holds ? "holds" : "DOES NOT HOLD") << " (" << elapsed() << " s)\n";
    return holds;
  }

  Options o_;
  std::unique_ptr<rtc::DtlsCertificate> cert_;
  int epoll_ = -1;
  HttpUrl whep_;
  HttpUrl janus_;
  std::vector<std::unique_ptr<Viewer>> viewers_;
  std::vector<std::unique_ptr<JanusViewer>> janus_viewers_;
  int signalling_failures_ = 0;
  Clock::time_point next_timers_{};
  Clock::time_point started_ = Clock::now();
};

}  // namespace
}  // namespace stagecast::bench

int main(int argc, char** argv) {
  try {
    stagecast::bench::Generator generator(stagecast::bench::parse_options(argc, argv));
    return generator.run();
  } catch (const std::exception& e) {
    std::cerr << "fanout_viewers: " << e.what() << "\n";
    return 1;
  }
}
