#pragma once
// The Prometheus series of WebRTC delivery (docs/webrtc.md, "Metrics").

#include "core/metrics.h"

namespace stagecast::whep {

struct WhepMetrics {
  explicit WhepMetrics(MetricsRegistry& m);

  Gauge* sessions;              // stagecast_whep_sessions
  Counter* sessions_started;    // stagecast_whep_sessions_total
  Counter* offers_refused;      // stagecast_whep_offers_refused_total
  Counter* rtp_sent;            // stagecast_whep_rtp_packets_sent_total
  Counter* rtp_forwarded;       // stagecast_whep_forwarded_rtp_packets_total (a publisher's own)
  Counter* retransmitted;       // stagecast_whep_retransmitted_packets_total
  Counter* nack_missed;         // stagecast_whep_nack_missed_total (no longer in the cache)
  Counter* plis_received;       // stagecast_whep_pli_received_total
  Counter* send_dropped;        // stagecast_whep_send_dropped_total (the viewer's queue was full)
  Counter* dtls_failures;       // stagecast_whep_dtls_failures_total
  Counter* consent_expired;     // stagecast_whep_consent_expired_total
  Counter* slow_viewers;        // stagecast_whep_slow_viewers_closed_total
  Counter* tokens_expired;      // stagecast_whep_tokens_expired_total
  Counter* rendition_switches;  // stagecast_whep_rendition_switches_total
};

}  // namespace stagecast::whep
