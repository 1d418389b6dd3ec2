#pragma once
// WHEP (draft-ietf-wish-whep) without HTTP: what the routes in api/ call once the viewer's
// access was checked (the same rule and playback tokens as HLS). An offer is negotiated for
// playback (rtc/sdp_answer: we send H.264; the offer must receive it), attached to the stream's
// WhepForwarder (made on the first viewer, a sink on the stream's hub, removed with the last)
// and answered; the session then lives on the shared media port until DELETE, a failure,
// consent expiry, or the stream's end.
//
// A session's resource URL carries a random 128-bit session id: knowing it is what allows
// PATCH and DELETE (a viewer has no other credential; a playback token may have expired by then).
//
// Thread-safe: offer(), patch() and end() may be called from any thread and answer through their
// callbacks, on any thread.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "core/result.h"
#include "media/stream_hub.h"
#include "rtc/dtls_certificate.h"
#include "rtc/rtc_media_port.h"
#include "rtc/sdp_answer.h"
#include "whep/whep_forwarder.h"
#include "whep/whep_session.h"

namespace stagecast::whep {

// One rendition WebRTC viewers of a stream can be sent: its source, or a transcoded rung.
struct RealtimeRendition {
  std::string name;          // "source", "360p", ...
  uint64_t bitrate_bps = 0;  // the encoder's target; 0: unknown (the source) until measured
  std::shared_ptr<media::StreamHub> hub;
};
// Highest first; a viewer starts on the first (the source, or the highest rung when the source
// cannot go over WebRTC: B-frames).
using RealtimeLadder = std::vector<RealtimeRendition>;
// What a stream offers WebRTC viewers now. Errors: not_live (nothing is being published),
// no_realtime_rendition (nothing playable over WebRTC). app/ wires the ingest registry and the
// ladder: whep/ sees only media/.
using LiveHubLookup = std::function<Result<RealtimeLadder>(const std::string& stream_id)>;

// Who plays, as the access check found them.
struct WhepViewer {
  std::string user_id;  // empty: anonymous
  std::string device;   // a device class (platform/device_class), for analytics
  // Unix milliseconds when the playback token runs out; 0: never (anyone may watch). The
  // session ends then unless renew() moved it.
  int64_t expires_at_ms = 0;
};

// About once a second for each session whose media flows (app/ counts it as a viewer, as it
// counts an HLS playback session). On the media port's thread: must not block.
using WhepWatching = std::function<void(const std::string& stream_id, const std::string& session_id,
                                        const WhepViewer& viewer)>;

struct WhepServerOptions {
  std::vector<rtc::IceCandidateAddress> udp_candidates;
  std::vector<rtc::IceCandidateAddress> tcp_candidates;
  WhepSessionOptions session;
  size_t max_sessions = 1000;
  WhepWatching on_watching;
  // Move viewers between the renditions by their receive estimate (REMB) and congestion.
  bool adapt = true;
};

struct WhepAnswer {
  std::string sdp;
  std::string session_id;
  std::string etag;
};

struct WhepPatchResult {
  int status = 204;  // 204: candidates taken; 200: an ICE restart, `body` answers it
  std::string body;
  std::string etag;
};

// Error codes: sdp_* (as for WHIP), not_live (404: nothing is being published),
// no_realtime_rendition (409: B-frames and no rung without them), not_found
// (404: no such session), precondition_failed (412), busy and unavailable (503).
class WhepServer {
 public:
  WhepServer(rtc::RtcMediaPort& port, const rtc::DtlsCertificate& certificate,
             LiveHubLookup live_hub, MetricsRegistry& metrics, WhepServerOptions options,
             OpusEncoderFactory opus = {});
  ~WhepServer();
  WhepServer(const WhepServer&) = delete;
  WhepServer& operator=(const WhepServer&) = delete;

  void offer(const std::string& stream_id, const std::string& sdp,
             const std::string& remote_address, WhepViewer viewer,
             std::function<void(Result<WhepAnswer>)> done);
  void patch(const std::string& stream_id, const std::string& session_id,
             const std::string& if_match, const std::string& fragment,
             std::function<void(Result<WhepPatchResult>)> done);
  void end(const std::string& stream_id, const std::string& session_id,
           std::function<void(Result<void>)> done);
  // A fresh playback token for the session's stream: it now ends at `expires_at_ms` (0: never).
  Result<void> renew(const std::string& stream_id, const std::string& session_id,
                     int64_t expires_at_ms);
  // Ends every session (shutdown).
  void stop();

  struct Shared;

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace stagecast::whep
