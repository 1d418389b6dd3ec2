#include "rtc/sdp_description.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace stagecast::rtc {
namespace {

constexpr size_t kMaxMedia = 32;
constexpr size_t kMaxLines = 4096;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    const size_t p = s.find(sep);
    std::string_view part = s.substr(0, p);
    if (!part.empty()) out.push_back(part);
    if (p == std::string_view::npos) break;
    s.remove_prefix(p + 1);
  }
  return out;
}

std::optional<int> to_int(std::string_view s, int lo, int hi) {
  int v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Error malformed(std::string what) { return make_error("sdp_malformed", std::move(what)); }

// One a= line of a media section (or of the session when `m` is null).
Result<void> apply_attribute(std::string_view name, std::string_view value, SdpDescription& d,
                             SdpMedia* m) {
  auto set = [&](std::string SdpMedia::*media_field, std::string SdpDescription::*session_field) {
    if (m) {
      m->*media_field = std::string(value);
    } else {
      d.*session_field = std::string(value);
    }
  };
  if (name == "ice-ufrag") {
    set(&SdpMedia::ice_ufrag, &SdpDescription::ice_ufrag);
  } else if (name == "ice-pwd") {
    set(&SdpMedia::ice_pwd, &SdpDescription::ice_pwd);
  } else if (name == "setup") {
    set(&SdpMedia::setup, &SdpDescription::setup);
  } else if (name == "ice-lite") {
    d.ice_lite = true;
  } else if (name == "fingerprint") {
    auto parts = split(value, ' ');
    if (parts.size() != 2) return malformed("fingerprint");
    SdpFingerprint fp{lower(parts[0]), std::string(parts[1])};
    for (char& c : fp.value) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto& slot = m ? m->fingerprint : d.fingerprint;
    if (!slot || (slot->algorithm != "sha-256" && fp.algorithm == "sha-256")) slot = fp;
  } else if (name == "group") {
    auto parts = split(value, ' ');
    if (!parts.empty() && parts[0] == "BUNDLE" && d.bundle_groups.size() < 8) {
      d.bundle_groups.emplace_back(parts.begin() + 1, parts.end());
    }
  } else if (!m) {
    return ok_result();  // other session-level attributes are not used
  } else if (name == "mid") {
    m->mid = std::string(value);
  } else if (name == "sendrecv" || name == "sendonly" || name == "recvonly" || name == "inactive") {
    m->direction = std::string(name);
  } else if (name == "rtcp-mux") {
    m->rtcp_mux = true;
  } else if (name == "rtcp-rsize") {
    m->rtcp_rsize = true;
  } else if (name == "rtpmap") {
    // <payload type> <encoding name>/<clock rate>[/<channels>]
    const size_t sp = value.find(' ');
    if (sp == std::string_view::npos) return malformed("rtpmap");
    auto pt = to_int(value.substr(0, sp), 0, 127);
    auto parts = split(trim(value.substr(sp + 1)), '/');
    if (!pt || parts.size() < 2 || parts.size() > 3) return malformed("rtpmap");
    auto rate = to_int(parts[1], 1, 10'000'000);
    auto channels = parts.size() == 3 ? to_int(parts[2], 1, 255) : std::optional<int>(0);
    if (!rate || !channels) return malformed("rtpmap");
    if (m->rtpmaps.size() < 128) m->rtpmaps.push_back({*pt, std::string(parts[0]), *rate, *channels});
  } else if (name == "fmtp") {
    const size_t sp = value.find(' ');
    if (sp == std::string_view::npos) return malformed("fmtp");
    auto pt = to_int(value.substr(0, sp), 0, 127);
    if (!pt) return malformed("fmtp");
    m->fmtps[*pt] = std::string(trim(value.substr(sp + 1)));
  } else if (name == "rtcp-fb") {
    const size_t sp = value.find(' ');
    if (sp == std::string_view::npos) return malformed("rtcp-fb");
    const std::string_view pt_text = value.substr(0, sp);
    auto pt = pt_text == "*" ? std::optional<int>(-1) : to_int(pt_text, 0, 127);
    if (!pt) return malformed("rtcp-fb");
    if (m->rtcp_fbs.size() < 512) m->rtcp_fbs.push_back({*pt, std::string(trim(value.substr(sp + 1)))});
  } else if (name == "extmap") {
    // <id>[/<direction>] <uri> [<attributes>]
    auto parts = split(value, ' ');
    if (parts.size() < 2) return malformed("extmap");
    auto id = to_int(parts[0].substr(0, parts[0].find('/')), 1, 255);
    if (!id) return malformed("extmap");
    if (m->extmaps.size() < 64) m->extmaps.push_back({*id, std::string(parts[1])});
  } else if (name == "ssrc") {
    const size_t sp = value.find(' ');
    uint32_t ssrc = 0;
    const std::string_view num = value.substr(0, sp);
    auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), ssrc);
    if (ec != std::errc() || ptr != num.data() + num.size()) return malformed("ssrc");
    if (std::find(m->ssrcs.begin(), m->ssrcs.end(), ssrc) == m->ssrcs.end() && m->ssrcs.size() < 16) {
      m->ssrcs.push_back(ssrc);
    }
  }
  return ok_result();
}

}  // namespace

const SdpRtpMap* SdpMedia::rtpmap(int payload_type) const {
  for (const auto& r : rtpmaps) {
    if (r.payload_type == payload_type) return &r;
  }
  return nullptr;
}

std::string SdpMedia::fmtp(int payload_type) const {
  auto it = fmtps.find(payload_type);
  return it == fmtps.end() ? std::string() : it->second;
}

bool SdpMedia::has_rtcp_fb(int payload_type, std::string_view value) const {
  for (const auto& fb : rtcp_fbs) {
    if ((fb.payload_type == payload_type || fb.payload_type == -1) && fb.value == value) return true;
  }
  return false;
}

int SdpMedia::extmap_id(std::string_view uri) const {
  for (const auto& e : extmaps) {
    if (e.uri == uri) return e.id;
  }
  return 0;
}

std::map<std::string, std::string> parse_fmtp_parameters(std::string_view fmtp) {
  std::map<std::string, std::string> out;
  for (auto part : split(fmtp, ';')) {
    part = trim(part);
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      out[lower(part)] = "";
    } else {
      out[lower(trim(part.substr(0, eq)))] = std::string(trim(part.substr(eq + 1)));
    }
  }
  return out;
}

bool is_ice_chars(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
  });
}

std::string_view take_sdp_line(std::string_view& text) {
  const size_t nl = text.find('\n');
  std::string_view line = text.substr(0, nl);
  text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

Result<SdpDescription> parse_sdp(std::string_view text) {
  if (text.size() > kMaxSdpBytes) return make_error("sdp_too_large", "SDP over 64 KiB");
  SdpDescription d;
  size_t line_no = 0;
  while (!text.empty()) {
    const std::string_view line = take_sdp_line(text);
    if (line.empty()) continue;
    if (++line_no > kMaxLines) return make_error("sdp_too_large", "too many SDP lines");
    if (line.size() < 2 || line[1] != '=') return malformed("a line without <type>=");
    // Values are echoed into the answer (mid, media, protocol): no control characters.
    if (std::any_of(line.begin(), line.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\t'; })) {
      return malformed("control character in a line");
    }
    if (line_no == 1 && line != "v=0") return malformed("does not start with v=0");
    const char type = line[0];
    const std::string_view value = line.substr(2);
    if (type == 'm') {
      // m=<media> <port>[/<count>] <proto> <fmt> ...
      auto parts = split(value, ' ');
      if (parts.size() < 4) return malformed("m= line");
      auto port = to_int(parts[1].substr(0, parts[1].find('/')), 0, 65535);
      if (!port) return malformed("m= port");
      if (d.media.size() >= kMaxMedia) return make_error("sdp_too_large", "too many m= sections");
      SdpMedia m;
      m.kind = std::string(parts[0]);
      m.port = static_cast<uint16_t>(*port);
      m.protocol = std::string(parts[2]);
      for (size_t i = 3; i < parts.size() && m.formats.size() < 128; ++i) {
        m.formats.emplace_back(parts[i]);
      }
      d.media.push_back(std::move(m));
    } else if (type == 'a') {
      const size_t colon = value.find(':');
      const std::string_view name = value.substr(0, colon);
      const std::string_view attr_value =
          colon == std::string_view::npos ? std::string_view() : trim(value.substr(colon + 1));
      auto applied = apply_attribute(name, attr_value, d, d.media.empty() ? nullptr : &d.media.back());
      if (!applied) return applied.error();
    }
  }
  if (line_no == 0) return malformed("empty SDP");
  for (auto& m : d.media) {
    if (m.ice_ufrag.empty()) m.ice_ufrag = d.ice_ufrag;
    if (m.ice_pwd.empty()) m.ice_pwd = d.ice_pwd;
    if (!m.fingerprint) m.fingerprint = d.fingerprint;
    if (m.setup.empty()) m.setup = d.setup;
  }
  return d;
}

}  // namespace stagecast::rtc
