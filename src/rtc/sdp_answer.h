#pragma once
// What Stagecast takes from a WHIP or WHEP offer and the answer it returns (RFC 9725 4.2, JSEP
// RFC 8829 5.3): one H.264 video (packetization-mode 1) and at most one Opus audio section,
// BUNDLEd on one transport with rtcp-mux, received only (recvonly; sendonly for WHEP), ICE-lite
// with host candidates, DTLS passive (RFC 5763 5: the offerer is actpass, the answerer picks).
// Every other section is rejected with port 0 as RFC 8829 5.3.1 describes. An offer that cannot be
// taken gets an Error whose code names what is missing, for the WHIP layer to return as a 4xx.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "rtc/sdp_description.h"

namespace stagecast::rtc {

inline constexpr const char* kExtMid = "urn:ietf:params:rtp-hdrext:sdes:mid";
inline constexpr const char* kExtAbsSendTime =
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
inline constexpr const char* kExtTransportCc =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

struct NegotiatedTrack {
  size_t media_index = 0;  // of the offer's m= section
  std::string mid;
  int payload_type = 0;
  int clock_rate = 0;
  int channels = 0;
  std::string fmtp;  // as offered for that payload type, echoed in the answer
  bool nack = false;
  bool pli = false;
  bool remb = false;
  bool transport_cc = false;
  std::vector<SdpExtmap> extmaps;  // those we accept, with the offer's ids
  std::vector<uint32_t> ssrcs;     // from a=ssrc, when announced
};

struct NegotiatedOffer {
  std::string remote_ufrag;
  std::string remote_pwd;
  SdpFingerprint remote_fingerprint;  // sha-256
  std::string remote_setup;           // "actpass" or "active"
  NegotiatedTrack video;
  std::optional<NegotiatedTrack> audio;
  bool rtcp_rsize = false;
};

struct AnswerOptions {
  bool transport_cc = false;  // answer transport-cc instead of goog-remb (once TWCC is built)
  // WHEP: the offerer receives (recvonly or sendrecv) and we send; otherwise (WHIP) the reverse.
  bool playback = false;
  // Playback: the H.264 profile_idc we send (0x42, 0x4d, 0x64); a payload type of that profile
  // is taken before the usual order, so the answer's profile-level-id tells the truth.
  uint8_t send_profile_idc = 0;
};

// Error codes: sdp_no_video (no H.264 packetization-mode 1 in a profile we take), sdp_no_bundle,
// sdp_no_rtcp_mux, sdp_no_fingerprint (no sha-256), sdp_no_ice_credentials, sdp_bad_setup
// (passive or missing: we only answer passive), sdp_not_sending (the video is not sendonly or
// sendrecv), sdp_not_receiving (playback: the video is not recvonly or sendrecv),
// sdp_bad_transport (not UDP/TLS/RTP/SAVPF).
Result<NegotiatedOffer> negotiate_offer(const SdpDescription& offer, AnswerOptions options = {});

struct IceCandidateAddress {
  std::string address;  // IPv4 or IPv6 literal, as announced (1:1 NAT: the public address)
  uint16_t port = 0;
};

struct LocalTransport {
  std::string ice_ufrag;
  std::string ice_pwd;
  std::string fingerprint_sha256;  // "AB:CD:..." of our DTLS certificate
  std::vector<IceCandidateAddress> udp;
  std::vector<IceCandidateAddress> tcp;  // passive (RFC 6544)
  uint64_t session_id = 1;
  // Playback: the answer is sendonly and announces these SSRCs with a CNAME and an msid, so the
  // browser's tracks are known before the first packet.
  bool send = false;
  uint32_t video_ssrc = 0;
  uint32_t audio_ssrc = 0;
};

// The answer for `offer` (one m= line per offered one, in order).
std::string build_answer(const SdpDescription& offer, const NegotiatedOffer& negotiated,
                         const LocalTransport& local);

// Our host candidates as a=candidate lines, then a=end-of-candidates (the answer's, and an ICE
// restart's trickle-ice-sdpfrag).
std::string host_candidate_lines(const LocalTransport& local);

// The RFC 8445 5.1.2.1 priority of a host candidate (UDP above TCP, RFC 6544 4.2).
uint32_t host_candidate_priority(bool tcp, uint16_t local_preference);

}  // namespace stagecast::rtc
