#pragma once
// The Prometheus series of WebRTC ingest (docs/webrtc.md, "Metrics").

#include "core/metrics.h"

namespace stagecast::ingest::webrtc {

struct WhipMetrics {
  explicit WhipMetrics(MetricsRegistry& m);

  Gauge* sessions;                    // stagecast_whip_sessions
  Counter* sessions_started;          // stagecast_whip_sessions_total
  Counter* offers_refused;            // stagecast_whip_offers_refused_total
  Counter* rtp_packets;               // stagecast_whip_rtp_packets_total
  Counter* rtcp_packets;              // stagecast_whip_rtcp_packets_total
  Counter* nacks_sent;                // stagecast_whip_nack_requested_packets_total
  Counter* plis_sent;                 // stagecast_whip_pli_total
  Counter* viewer_keyframe_requests;  // stagecast_whip_viewer_keyframe_requests_total
  Counter* packets_lost;      // stagecast_whip_packets_lost_total (given up by the reorder buffer)
  Counter* srtp_auth_failed;  // stagecast_whip_srtp_failures_total{status}
  Counter* srtp_replayed;
  Counter* srtp_other;
  Counter* dtls_failures;    // stagecast_whip_dtls_failures_total
  Counter* dtls_dropped;     // stagecast_whip_dtls_dropped_total (not from the selected path)
  Counter* consent_expired;  // stagecast_whip_consent_expired_total
  Counter* frames_dropped;   // stagecast_whip_frames_dropped_total
};

}  // namespace stagecast::ingest::webrtc
