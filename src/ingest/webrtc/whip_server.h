#pragma once
// WHIP (RFC 9725) without HTTP: what the routes in api/ call. An offer is negotiated (rtc/
// sdp_answer), authorised by the same PublishAuthorizer as RTMP (a stream key, or the owner's
// session token), attached to the stream through the LiveStreamRegistry (one publisher per
// stream whichever protocol: a second one is refused), and answered; the session then lives on
// the shared media port until DELETE, a failure, consent expiry, or the stream's end.
//
// A session's resource is addressed by the stream id and a random session id, and only the
// bearer token that created it may PATCH or DELETE it (compared by digest, in constant time).
//
// Thread-safe: offer(), patch() and end() may be called from any thread and answer through their
// callbacks, on any thread.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/digest.h"
#include "core/metrics.h"
#include "core/result.h"
#include "ingest/live_stream_registry.h"
#include "ingest/publish_authorizer.h"
#include "ingest/webrtc/whip_metrics.h"
#include "ingest/webrtc/whip_session.h"
#include "rtc/dtls_certificate.h"
#include "rtc/rtc_media_port.h"
#include "rtc/sdp_answer.h"

namespace stagecast::ingest::webrtc {

struct WhipServerOptions {
  // The host candidates the answer announces (the public addresses behind 1:1 NAT).
  std::vector<rtc::IceCandidateAddress> udp_candidates;
  std::vector<rtc::IceCandidateAddress> tcp_candidates;
  WhipSessionOptions session;
  size_t max_sessions = 256;
  std::optional<media::AudioConfig> aac_config;  // what the AAC stage produces
};

struct WhipOffer {
  std::string stream_id;  // from the URL
  std::string sdp;
  std::string bearer;  // a stream key or the owner's session token: a secret, never logged
  std::string remote_address;
};

struct WhipAnswer {
  std::string sdp;
  std::string session_id;
  std::string etag;  // quoted entity tag (RFC 9110 8.8.3) of the session's ICE credentials
};

struct WhipPatchResult {
  int status = 204;  // 204: candidates taken; 200: an ICE restart, `body` answers it
  std::string body;  // application/trickle-ice-sdpfrag
  std::string etag;
};

// Error codes for the routes: everything negotiate_offer() and parse_sdp() return (sdp_*),
// invalid_key (401), not_allowed (403), stream_ended (409), already_publishing (409),
// not_found (404: no such session, or a token that did not create it), precondition_failed
// (412: If-Match), unavailable and busy (503).
class WhipServer {
 public:
  WhipServer(rtc::RtcMediaPort& port, const rtc::DtlsCertificate& certificate,
             PublishAuthorizer& authorizer, LiveStreamRegistry& registry, MetricsRegistry& metrics,
             WhipServerOptions options, AacEncoderFactory aac_encoder);
  ~WhipServer();
  WhipServer(const WhipServer&) = delete;
  WhipServer& operator=(const WhipServer&) = delete;

  void offer(WhipOffer offer, std::function<void(Result<WhipAnswer>)> done);
  // `fragment`: the application/trickle-ice-sdpfrag body; `if_match`: the If-Match header.
  void patch(const std::string& stream_id, const std::string& session_id, const std::string& bearer,
             const std::string& if_match, const std::string& fragment,
             std::function<void(Result<WhipPatchResult>)> done);
  void end(const std::string& stream_id, const std::string& session_id, const std::string& bearer,
           std::function<void(Result<void>)> done);
  // Ends every session (shutdown).
  void stop();

  size_t session_count() const;

  struct Shared;

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace stagecast::ingest::webrtc
