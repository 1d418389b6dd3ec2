#include "app/webrtc_wiring.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <charconv>
#include <future>
#include <stdexcept>

#include "api/whip_routes.h"
#include "transcode/aac_opus_converter.h"
#include "transcode/opus_to_aac.h"
#include "transcode/serial_converter.h"

namespace stagecast::app {

namespace {

// "ip" or "ip:port" (IPv6 as "[ip]:port"), comma-separated; `default_port` where none is given.
std::vector<rtc::IceCandidateAddress> parse_candidates(std::string_view list,
                                                       uint16_t default_port) {
  std::vector<rtc::IceCandidateAddress> out;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    rtc::IceCandidateAddress c{std::string(item), default_port};
    size_t colon = std::string_view::npos;
    if (item.front() == '[') {
      const size_t close = item.find(']');
      if (close == std::string_view::npos)
        throw std::runtime_error("webrtc candidates: bad " + std::string(item));
      c.address = std::string(item.substr(1, close - 1));
      if (close + 1 < item.size() && item[close + 1] == ':') colon = close + 1;
    } else if (item.find(':') == item.rfind(':')) {
      colon = item.find(':');
      if (colon != std::string_view::npos) c.address = std::string(item.substr(0, colon));
    }
    if (colon != std::string_view::npos) {
      const std::string_view port = item.substr(colon + 1);
      unsigned value = 0;
      auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
      if (ec != std::errc() || p != port.data() + port.size() || value == 0 || value > 65535) {
        throw std::runtime_error("webrtc candidates: bad port in " + std::string(item));
      }
      c.port = static_cast<uint16_t>(value);
    }
    out.push_back(std::move(c));
  }
  return out;
}

// The addresses of a wildcard listen address: every IPv4 interface that is up, loopback last
// (a browser on the same machine still reaches it).
std::vector<std::string> interface_addresses() {
  std::vector<std::string> out;
  std::vector<std::string> loopback;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return {"127.0.0.1"};
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !(i->ifa_flags & IFF_UP)) continue;
    char text[INET_ADDRSTRLEN] = {};
    const auto* sin = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
    if (!inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text)) continue;
    ((i->ifa_flags & IFF_LOOPBACK) ? loopback : out).push_back(text);
  }
  freeifaddrs(list);
  out.insert(out.end(), loopback.begin(), loopback.end());
  if (out.empty()) out.push_back("127.0.0.1");
  return out;
}

std::vector<rtc::IceCandidateAddress> candidates_for(const std::string& configured,
                                                     const std::string& host, uint16_t port) {
  if (!configured.empty()) return parse_candidates(configured, port);
  std::vector<rtc::IceCandidateAddress> out;
  if (host == "0.0.0.0" || host == "::") {
    for (auto& a : interface_addresses()) out.push_back({a, port});
  } else {
    out.push_back({host, port});
  }
  return out;
}

// The transcode layer's Opus to AAC behind the session's AacEncoderStage.
class OpusToAacStage final : public ingest::webrtc::AacEncoderStage {
 public:
  OpusToAacStage(WorkerPool& pool, std::function<void(media::MediaFramePtr)> on_frame)
      : converter_(transcode::OpusToAacOptions{.stream_id = {}, .converter = {}, .max_queue = 250},
                   pool,
                   transcode::AacOutput{
                       // The session announced the encoder's configuration (read at start).
                       .on_config = [](const media::AudioConfig&) {},
                       .on_frame = [on_frame = std::move(on_frame)](
                                       const media::MediaFramePtr& frame) { on_frame(frame); },
                       .on_finished = {},
                       .on_error =
                           [](const Error& e) {
                             spdlog::warn("webrtc: Opus to AAC failed: {}", e.message);
                           },
                   }) {}
  void push(media::MediaFramePtr opus) override { converter_.push(std::move(opus)); }

 private:
  transcode::OpusToAac converter_;
};

// The transcode layer's AAC to Opus behind a WHEP forwarder's OpusEncoderStage: once per stream,
// whatever the number of viewers.
class AacToOpusStage final : public whep::OpusEncoderStage {
 public:
  AacToOpusStage(WorkerPool& pool, const media::AudioConfig& aac,
                 std::function<void(media::MediaFramePtr)> on_packet)
      : converter_("aac_to_opus", 100, pool,
                   [aac] { return transcode::AacOpusConverter::open(aac, {}); },
                   {.on_frame = [on_packet = std::move(on_packet)](
                                    const media::MediaFramePtr& f) { on_packet(f); },
                    .on_finished = {},
                    .on_error = {}}) {}
  void push(media::MediaFramePtr aac) override { converter_.push(std::move(aac)); }

 private:
  transcode::SerialConverter<transcode::AacOpusConverter> converter_;
};

}  // namespace

void WebrtcWiring::stop() {
  if (!port) return;
  // On the port's thread, so that every session has let go of its lease and its encoder before
  // the I/O threads stop (the caller waits; the port's thread never waits on anything).
  auto work = [this] {
    if (whip) whip->stop();
    if (whep) whep->stop();
    port->stop();
  };
  auto& io = port->context();
  if (io.stopped() || io.get_executor().running_in_this_thread()) {
    work();
    return;
  }
  std::promise<void> done;
  boost::asio::post(io, [&] {
    work();
    done.set_value();
  });
  if (done.get_future().wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    spdlog::warn("webrtc: the media port's thread did not stop its sessions within 5 s");
  }
}

std::unique_ptr<WebrtcWiring> wire_webrtc(
    const Config& c, net::IoPool& io, ingest::PublishAuthorizer& authorizer,
    ingest::LiveStreamRegistry& registry, MetricsRegistry& metrics, net::Router& router,
    api::WhepAccessCheck may_play, whep::LiveHubLookup realtime_hub, whep::WhepWatching watching) {
  auto w = std::make_unique<WebrtcWiring>();
  auto certificate = rtc::DtlsCertificate::generate("stagecast", 365);
  if (!certificate) throw std::runtime_error("webrtc: " + certificate.error().message);
  w->certificate = std::make_unique<rtc::DtlsCertificate>(std::move(*certificate));

  rtc::RtcMediaPortOptions po;
  po.host = c.webrtc_host;
  po.udp_port = static_cast<uint16_t>(c.webrtc_udp_port);
  po.tcp_port = static_cast<uint16_t>(c.webrtc_tcp_port);
  po.udp = c.webrtc_udp;
  po.tcp = c.webrtc_tcp;
  // The last I/O thread: the first one also runs the registry's and HLS's timers.
  w->port = std::make_unique<rtc::RtcMediaPort>(io.at(io.size() - 1), po, metrics);
  if (auto r = w->port->start(); !r) throw std::runtime_error(r.error().message);

  ingest::webrtc::WhipServerOptions wo;
  if (c.webrtc_udp) {
    wo.udp_candidates = candidates_for(c.webrtc_udp_candidates, c.webrtc_host, w->port->udp_port());
  }
  if (c.webrtc_tcp) {
    wo.tcp_candidates = candidates_for(c.webrtc_tcp_candidates, c.webrtc_host, w->port->tcp_port());
  }
  wo.max_sessions = static_cast<size_t>(c.webrtc_max_sessions);
  wo.session.max_bitrate_bps = static_cast<uint64_t>(c.webrtc_max_bitrate_kbps) * 1000;
  wo.session.keyframe_interval = std::chrono::milliseconds(c.webrtc_keyframe_interval_ms);
  wo.session.consent_timeout = std::chrono::milliseconds(c.webrtc_consent_timeout_ms);
  w->audio_pool = std::make_unique<WorkerPool>(
      "webrtc-audio", static_cast<size_t>(std::max<int64_t>(1, c.transcode_threads)));
  ingest::webrtc::AacEncoderFactory aac =
      [pool = w->audio_pool.get()](std::function<void(media::MediaFramePtr)> on_frame)
      -> std::unique_ptr<ingest::webrtc::AacEncoderStage> {
    return std::make_unique<OpusToAacStage>(*pool, std::move(on_frame));
  };
  // What the AAC stage will produce, read off the encoder itself (libavcodec's AAC adds the
  // SBR sync extension to the AudioSpecificConfig), so sessions announce it before any frame.
  auto probe = transcode::OpusAacConverter::open({});
  if (!probe)
    throw std::runtime_error("webrtc: the AAC encoder cannot start: " + probe.error().message);
  wo.aac_config = (*probe)->config();
  w->whip = std::make_unique<ingest::webrtc::WhipServer>(*w->port, *w->certificate, authorizer,
                                                         registry, metrics, wo, aac);
  api::add_whip_routes(router, *w->whip);
  if (c.webrtc_playback) {
    whep::WhepServerOptions eo;
    eo.udp_candidates = wo.udp_candidates;
    eo.tcp_candidates = wo.tcp_candidates;
    eo.max_sessions = static_cast<size_t>(c.webrtc_max_viewers);
    eo.session.consent_timeout = wo.session.consent_timeout;
    eo.on_watching = std::move(watching);
    w->whep = std::make_unique<whep::WhepServer>(
        *w->port, *w->certificate, std::move(realtime_hub), metrics, eo,
        [pool = w->audio_pool.get()](const media::AudioConfig& aac,
                                     std::function<void(media::MediaFramePtr)> on_packet)
            -> std::unique_ptr<whep::OpusEncoderStage> {
          return std::make_unique<AacToOpusStage>(*pool, aac, std::move(on_packet));
        });
    api::add_whep_routes(router, *w->whep, std::move(may_play));
  }
  spdlog::info("webrtc: WHIP ingest on udp {} tcp {}", w->port->udp_port(), w->port->tcp_port());
  return w;
}

}  // namespace stagecast::app
