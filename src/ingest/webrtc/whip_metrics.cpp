#include "ingest/webrtc/whip_metrics.h"

namespace stagecast::ingest::webrtc {

WhipMetrics::WhipMetrics(MetricsRegistry& m)
    : sessions(&m.gauge("stagecast_whip_sessions", "WHIP publishing sessions open")),
      sessions_started(
          &m.counter("stagecast_whip_sessions_total", "WHIP offers accepted (sessions created)")),
      offers_refused(&m.counter("stagecast_whip_offers_refused_total",
                                "WHIP offers refused (bad SDP, credentials, a stream in use)")),
      rtp_packets(&m.counter("stagecast_whip_rtp_packets_total",
                             "RTP packets received from WHIP publishers (after SRTP)")),
      rtcp_packets(&m.counter("stagecast_whip_rtcp_packets_total",
                              "RTCP packets received from WHIP publishers (after SRTCP)")),
      nacks_sent(&m.counter("stagecast_whip_nack_requested_packets_total",
                            "RTP packets asked for again with generic NACK")),
      plis_sent(&m.counter("stagecast_whip_pli_total", "Picture Loss Indications sent")),
      viewer_keyframe_requests(
          &m.counter("stagecast_whip_viewer_keyframe_requests_total",
                     "key frames WebRTC viewers asked of the publisher (a PLI, rate-limited)")),
      packets_lost(&m.counter("stagecast_whip_packets_lost_total",
                              "RTP packets given up as lost after NACK's wait")),
      srtp_auth_failed(&m.counter("stagecast_whip_srtp_failures_total",
                                  "SRTP/SRTCP packets refused", "status=\"auth_failed\"")),
      srtp_replayed(&m.counter("stagecast_whip_srtp_failures_total", "SRTP/SRTCP packets refused",
                               "status=\"replayed\"")),
      srtp_other(&m.counter("stagecast_whip_srtp_failures_total", "SRTP/SRTCP packets refused",
                            "status=\"other\"")),
      dtls_failures(&m.counter("stagecast_whip_dtls_failures_total",
                               "WHIP sessions ended by a failed DTLS handshake")),
      dtls_dropped(
          &m.counter("stagecast_whip_dtls_dropped_total",
                     "DTLS datagrams dropped after the handshake: not from the selected path")),
      consent_expired(&m.counter("stagecast_whip_consent_expired_total",
                                 "WHIP sessions ended because ICE consent expired (RFC 7675)")),
      frames_dropped(&m.counter("stagecast_whip_frames_dropped_total",
                                "Frames of WHIP publishers dropped (loss, no configuration)")) {}

}  // namespace stagecast::ingest::webrtc
