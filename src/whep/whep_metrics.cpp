#include "whep/whep_metrics.h"

namespace stagecast::whep {

WhepMetrics::WhepMetrics(MetricsRegistry& m)
    : sessions(&m.gauge("stagecast_whep_sessions", "WHEP viewers connected or connecting")),
      sessions_started(
          &m.counter("stagecast_whep_sessions_total", "WHEP offers accepted (sessions created)")),
      offers_refused(&m.counter("stagecast_whep_offers_refused_total",
                                "WHEP offers refused (bad SDP, no access, not live, busy)")),
      rtp_sent(&m.counter("stagecast_whep_rtp_packets_sent_total",
                          "RTP packets sent to WHEP viewers (retransmissions included)")),
      rtp_forwarded(
          &m.counter("stagecast_whep_forwarded_rtp_packets_total",
                     "Video RTP packets sent to WHEP viewers with a WHIP publisher's own payload")),
      retransmitted(&m.counter("stagecast_whep_retransmitted_packets_total",
                               "RTP packets sent again because a viewer's NACK asked")),
      nack_missed(&m.counter("stagecast_whep_nack_missed_total",
                             "NACKed packets no longer in the viewer's packet cache")),
      plis_received(&m.counter("stagecast_whep_pli_received_total",
                               "Picture Loss Indications received from WHEP viewers")),
      send_dropped(
          &m.counter("stagecast_whep_send_dropped_total",
                     "RTP packets not sent because the viewer's path could not take them")),
      dtls_failures(&m.counter("stagecast_whep_dtls_failures_total",
                               "WHEP sessions ended by a failed DTLS handshake")),
      consent_expired(&m.counter("stagecast_whep_consent_expired_total",
                                 "WHEP sessions ended because ICE consent expired (RFC 7675)")),
      slow_viewers(&m.counter("stagecast_whep_slow_viewers_closed_total",
                              "WHEP sessions closed because the viewer could not keep up")),
      tokens_expired(
          &m.counter("stagecast_whep_tokens_expired_total",
                     "WHEP sessions ended because the playback token ran out unrenewed")),
      rendition_switches(&m.counter("stagecast_whep_rendition_switches_total",
                                    "WHEP viewers moved to another rendition (REMB, congestion)")) {
}

}  // namespace stagecast::whep
