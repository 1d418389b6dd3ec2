#include "rtc/trickle_fragment.h"

#include "rtc/sdp_description.h"

namespace stagecast::rtc {

namespace {

// RFC 8839 5.4: ice-chars, within the lengths it gives.
bool ice_chars(std::string_view s, size_t min, size_t max) {
  return s.size() >= min && s.size() <= max && is_ice_chars(s);
}

Error malformed(std::string message) {
  return make_error("sdp_malformed", std::move(message));
}

}  // namespace

Result<TrickleFragment> parse_trickle_fragment(std::string_view body) {
  if (body.size() > kMaxSdpBytes) return make_error("sdp_too_large", "the fragment is too large");
  TrickleFragment f;
  size_t lines = 0;
  while (!body.empty()) {
    const std::string_view line = take_sdp_line(body);
    if (line.empty()) continue;
    if (++lines > 256) return malformed("the fragment has more than 256 lines");
    if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z') {
      return malformed("a fragment line is not <letter>=<value>");
    }
    for (char c : line) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return malformed("control characters in the fragment");
      }
    }
    if (line.starts_with("a=ice-ufrag:")) {
      f.ice_ufrag = std::string(line.substr(12));
    } else if (line.starts_with("a=ice-pwd:")) {
      f.ice_pwd = std::string(line.substr(10));
    } else if (line.starts_with("a=candidate:")) {
      ++f.candidates;
    } else if (line == "a=end-of-candidates") {
      f.end_of_candidates = true;
    }
  }
  if (f.ice_restart()) {
    if (!ice_chars(f.ice_ufrag, 4, 256) || !ice_chars(f.ice_pwd, 22, 256)) {
      return malformed("an ICE restart needs a valid ice-ufrag and ice-pwd (RFC 8839 5.4)");
    }
  }
  return f;
}

}  // namespace stagecast::rtc
