#pragma once
// The subset of SDP (RFC 8866) a WHIP offer (RFC 9725, JSEP RFC 8829) carries: session and media
// lines, ICE credentials (RFC 8839), DTLS fingerprint and setup (RFC 8122, RFC 5763), BUNDLE
// groups (RFC 9143), rtcp-mux (RFC 5761), rtpmap/fmtp (RFC 8866 6.6, 6.15), rtcp-fb (RFC 4585),
// extmap (RFC 8285) and the direction attributes. Unknown lines are skipped. Never log an SDP:
// it carries the ice-pwd.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace stagecast::rtc {

struct SdpRtpMap {
  int payload_type = 0;
  std::string encoding;  // as written, e.g. "H264", "opus"
  int clock_rate = 0;
  int channels = 0;  // 0 when absent
};

struct SdpFingerprint {
  std::string algorithm;  // lower case, e.g. "sha-256"
  std::string value;      // upper-case hex pairs separated by colons
};

struct SdpExtmap {
  int id = 0;
  std::string uri;
};

struct SdpRtcpFb {
  int payload_type = -1;  // -1 for "*"
  std::string value;      // e.g. "nack", "nack pli", "goog-remb", "transport-cc"
};

struct SdpMedia {
  std::string kind;  // "audio", "video", "application"...
  uint16_t port = 0;
  std::string protocol;
  std::vector<std::string> formats;
  std::string mid;
  std::string direction = "sendrecv";
  bool rtcp_mux = false;
  bool rtcp_rsize = false;
  std::string ice_ufrag;
  std::string ice_pwd;
  std::optional<SdpFingerprint> fingerprint;  // the sha-256 one when several are given
  std::string setup;
  std::vector<SdpRtpMap> rtpmaps;
  std::map<int, std::string> fmtps;
  std::vector<SdpRtcpFb> rtcp_fbs;
  std::vector<SdpExtmap> extmaps;
  std::vector<uint32_t> ssrcs;

  const SdpRtpMap* rtpmap(int payload_type) const;
  std::string fmtp(int payload_type) const;
  bool has_rtcp_fb(int payload_type, std::string_view value) const;
  int extmap_id(std::string_view uri) const;  // 0 when absent
};

struct SdpDescription {
  std::string ice_ufrag;  // session-level defaults for the media sections
  std::string ice_pwd;
  std::optional<SdpFingerprint> fingerprint;
  std::string setup;
  bool ice_lite = false;
  std::vector<std::vector<std::string>> bundle_groups;
  std::vector<SdpMedia> media;
};

inline constexpr size_t kMaxSdpBytes = 64 * 1024;

// Accepts LF or CRLF line ends. Refuses a description without v=0 first, over kMaxSdpBytes,
// with more than 32 media sections, or with a malformed m=, rtpmap, fmtp or extmap line. Session
// ICE credentials, fingerprint and setup are copied into media sections that lack their own.
Result<SdpDescription> parse_sdp(std::string_view text);

// RFC 8839 5.4: every character an ice-char (ALPHA / DIGIT / "+" / "/").
bool is_ice_chars(std::string_view s);

// Takes the next line off `text` (LF or CRLF ends it; the last may have neither).
std::string_view take_sdp_line(std::string_view& text);

// The fmtp parameters "a=b;c=d" as a map (keys lower-cased).
std::map<std::string, std::string> parse_fmtp_parameters(std::string_view fmtp);

}  // namespace stagecast::rtc
