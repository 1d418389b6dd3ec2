#pragma once
// The body of a WHIP/WHEP PATCH (RFC 9725 4.3): an SDP fragment of media type
// application/trickle-ice-sdpfrag (RFC 8840 9.2). What matters to an ICE-lite server is whether it
// is an ICE restart (it carries new ice-ufrag and ice-pwd, RFC 8840 4.4) or trickled candidates
// (which an ICE-lite server does not need: it learns the peer's addresses from its checks).

#include <string>
#include <string_view>

#include "core/result.h"

namespace stagecast::rtc {

struct TrickleFragment {
  std::string ice_ufrag;  // empty unless given
  std::string ice_pwd;
  size_t candidates = 0;  // a=candidate lines
  bool end_of_candidates = false;

  bool ice_restart() const { return !ice_ufrag.empty() || !ice_pwd.empty(); }
};

// Lines of "<letter>=<value>", LF or CRLF, at most 256 lines and kMaxSdpBytes. Refuses
// (sdp_malformed) another line shape, control characters, a restart with only one of the
// credentials, and credentials outside RFC 8839 5.4 (ice-char, 4..256 and 22..256 characters).
Result<TrickleFragment> parse_trickle_fragment(std::string_view body);

}  // namespace stagecast::rtc
