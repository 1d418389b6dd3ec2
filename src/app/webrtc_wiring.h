#pragma once
// WHIP ingest and WHEP playback wired together (docs/webrtc.md): one DTLS certificate made at
// start, the shared media port (UDP and ICE-TCP) on one of the I/O threads, the WhipServer behind
// the same publish check and stream registry as RTMP, Opus to AAC on the transcode worker pool, and
// the routes.

#include <memory>

#include "api/whep_routes.h"
#include "app/config.h"
#include "core/metrics.h"
#include "core/worker_pool.h"
#include "ingest/live_stream_registry.h"
#include "ingest/publish_authorizer.h"
#include "ingest/webrtc/whip_server.h"
#include "net/io_pool.h"
#include "net/router.h"
#include "rtc/dtls_certificate.h"
#include "rtc/rtc_media_port.h"
#include "whep/whep_server.h"

namespace stagecast::app {

struct WebrtcWiring {
  std::unique_ptr<rtc::DtlsCertificate> certificate;
  std::unique_ptr<WorkerPool> audio_pool;  // Opus to AAC
  std::unique_ptr<rtc::RtcMediaPort> port;
  std::unique_ptr<ingest::webrtc::WhipServer> whip;
  std::unique_ptr<whep::WhepServer> whep;  // null when webrtc.playback is off

  // Ends every session and closes the port (before the I/O threads stop).
  void stop();
};

// Binds the media port and adds the WHIP routes, and the WHEP routes behind `may_play`, whose
// viewers follow the hub `realtime_hub` names and report to `watching` once a second while they
// play. Throws
// std::runtime_error when the port cannot be bound (a start-up failure, like the HTTP and RTMP
// listeners).
std::unique_ptr<WebrtcWiring> wire_webrtc(
    const Config& config, net::IoPool& io, ingest::PublishAuthorizer& authorizer,
    ingest::LiveStreamRegistry& registry, MetricsRegistry& metrics, net::Router& router,
    api::WhepAccessCheck may_play, whep::LiveHubLookup realtime_hub, whep::WhepWatching watching);

}  // namespace stagecast::app
