#include "rtc/sdp_answer.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace stagecast::rtc {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

constexpr int kPreferredRank = -2;  // before every other (playback: the profile we send)

// Lower is better; -1: not taken. RFC 6184 8.1: profile-level-id defaults to 420010 (baseline).
// Browsers offer constrained baseline first (42e01f, 42001f), then main and high; OBS offers the
// profile of its x264 or hardware encoder settings.
int h264_profile_rank(const std::map<std::string, std::string>& params, uint8_t preferred) {
  auto mode = params.find("packetization-mode");
  if (mode == params.end() || mode->second != "1") return -1;
  auto it = params.find("profile-level-id");
  std::string plid = it == params.end() ? "420010" : it->second;
  if (plid.size() != 6) return -1;
  for (char& c : plid) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  int profile_idc = 0;
  int constraints = 0;
  for (auto [at, out] : {std::pair{0, &profile_idc}, std::pair{2, &constraints}}) {
    auto [end, error] = std::from_chars(plid.data() + at, plid.data() + at + 2, *out, 16);
    if (error != std::errc() || end != plid.data() + at + 2) return -1;
  }
  if (preferred != 0 && profile_idc == preferred && profile_idc <= 0x64) return kPreferredRank;
  if (plid == "42e01f") return 0;
  if (plid == "42001f") return 1;
  if (profile_idc == 0x42 && (constraints & 0x40)) return 2;  // constrained baseline, another level
  if (profile_idc == 0x42) return 3;
  if (profile_idc == 0x4d) return 4;
  if (profile_idc == 0x64) return 5;
  return -1;  // high 10, 4:2:2, 4:4:4: not what the ladder's decoder and players take
}

bool direction_sends(std::string_view d) {
  return d == "sendonly" || d == "sendrecv";
}
bool direction_receives(std::string_view d) {
  return d == "recvonly" || d == "sendrecv";
}

std::vector<SdpExtmap> accepted_extmaps(const SdpMedia& m, bool transport_cc) {
  std::vector<SdpExtmap> out;
  for (const auto& e : m.extmaps) {
    if (e.uri == kExtMid || e.uri == kExtAbsSendTime ||
        (transport_cc && e.uri == kExtTransportCc)) {
      out.push_back(e);
    }
  }
  return out;
}

NegotiatedTrack make_track(const SdpMedia& m, size_t index, const SdpRtpMap& map,
                           const AnswerOptions& options) {
  NegotiatedTrack t;
  t.media_index = index;
  t.mid = m.mid;
  t.payload_type = map.payload_type;
  t.clock_rate = map.clock_rate;
  t.channels = map.channels;
  t.fmtp = m.fmtp(map.payload_type);
  t.nack = m.has_rtcp_fb(map.payload_type, "nack");
  t.pli = m.has_rtcp_fb(map.payload_type, "nack pli");
  const bool twcc = options.transport_cc && m.extmap_id(kExtTransportCc) != 0 &&
                    m.has_rtcp_fb(map.payload_type, "transport-cc");
  t.transport_cc = twcc;
  t.remb = !twcc && m.has_rtcp_fb(map.payload_type, "goog-remb");
  t.extmaps = accepted_extmaps(m, twcc);
  t.ssrcs = m.ssrcs;
  return t;
}

std::optional<NegotiatedTrack> pick_video(const SdpMedia& m, size_t index,
                                          const AnswerOptions& options) {
  const SdpRtpMap* best = nullptr;
  int best_rank = 1000;
  for (const auto& format : m.formats) {
    int pt = -1;
    auto [ptr, ec] = std::from_chars(format.data(), format.data() + format.size(), pt);
    if (ec != std::errc() || ptr != format.data() + format.size()) continue;
    const SdpRtpMap* map = m.rtpmap(pt);
    if (!map || !iequals(map->encoding, "H264") || map->clock_rate != 90000) continue;
    const int rank = h264_profile_rank(parse_fmtp_parameters(m.fmtp(pt)), options.send_profile_idc);
    if (rank != -1 && rank < best_rank) {
      best = map;
      best_rank = rank;
    }
  }
  if (!best) return std::nullopt;
  return make_track(m, index, *best, options);
}

std::optional<NegotiatedTrack> pick_audio(const SdpMedia& m, size_t index,
                                          const AnswerOptions& options) {
  for (const auto& format : m.formats) {
    for (const auto& map : m.rtpmaps) {
      // RFC 7587 7: always opus/48000/2, whatever the content.
      if (std::to_string(map.payload_type) == format && iequals(map.encoding, "opus") &&
          map.clock_rate == 48000 && map.channels == 2) {
        return make_track(m, index, map, options);
      }
    }
  }
  return std::nullopt;
}

}  // namespace

Result<NegotiatedOffer> negotiate_offer(const SdpDescription& offer, AnswerOptions options) {
  NegotiatedOffer out;
  std::optional<NegotiatedTrack> video;
  bool video_offered = false;
  for (size_t i = 0; i < offer.media.size(); ++i) {
    const SdpMedia& m = offer.media[i];
    if (m.port == 0) continue;  // already rejected by the offerer
    if (m.kind == "video" && !video) {
      video_offered = true;
      video = pick_video(m, i, options);
    } else if (m.kind == "audio" && !out.audio) {
      out.audio = pick_audio(m, i, options);
    }
  }
  if (!video) {
    return make_error("sdp_no_video",
                      video_offered ? "no H.264 with packetization-mode=1 in a supported profile"
                                    : "no video section");
  }
  const SdpMedia& vm = offer.media[video->media_index];
  if (vm.protocol != "UDP/TLS/RTP/SAVPF") {
    return make_error("sdp_bad_transport", "video is not UDP/TLS/RTP/SAVPF");
  }
  const auto usable = options.playback ? direction_receives : direction_sends;
  if (!usable(vm.direction)) {
    return options.playback ? make_error("sdp_not_receiving", "video is not recvonly")
                            : make_error("sdp_not_sending", "video is not sendonly");
  }
  if (vm.mid.empty()) return make_error("sdp_no_bundle", "video has no a=mid");
  if (out.audio && !usable(offer.media[out.audio->media_index].direction)) out.audio.reset();
  // The group that holds the video must hold the audio too: one transport for both.
  const std::vector<std::string>* group = nullptr;
  for (const auto& g : offer.bundle_groups) {
    if (std::find(g.begin(), g.end(), vm.mid) != g.end()) group = &g;
  }
  if (!group) return make_error("sdp_no_bundle", "no a=group:BUNDLE with the video");
  if (out.audio && std::find(group->begin(), group->end(), out.audio->mid) == group->end()) {
    return make_error("sdp_no_bundle", "audio is not in the video's BUNDLE group");
  }
  for (const NegotiatedTrack* t : {&*video, out.audio ? &*out.audio : nullptr}) {
    if (!t) continue;
    const SdpMedia& m = offer.media[t->media_index];
    if (!m.rtcp_mux) return make_error("sdp_no_rtcp_mux", "a=rtcp-mux is missing");
    if (!m.fingerprint || m.fingerprint->algorithm != "sha-256") {
      return make_error("sdp_no_fingerprint", "no a=fingerprint:sha-256");
    }
    if (m.setup != "actpass" && m.setup != "active") {
      return make_error("sdp_bad_setup", "a=setup must be actpass or active");
    }
    if (m.ice_ufrag.size() < 4 || m.ice_ufrag.size() > 256 || m.ice_pwd.size() < 22 ||
        m.ice_pwd.size() > 256 || !is_ice_chars(m.ice_ufrag) || !is_ice_chars(m.ice_pwd)) {
      return make_error("sdp_no_ice_credentials", "missing or malformed ice-ufrag/ice-pwd");
    }
    if (m.ice_ufrag != vm.ice_ufrag || m.ice_pwd != vm.ice_pwd) {
      return make_error("sdp_no_bundle", "bundled sections with different ICE credentials");
    }
  }
  out.remote_ufrag = vm.ice_ufrag;
  out.remote_pwd = vm.ice_pwd;
  out.remote_fingerprint = *vm.fingerprint;
  out.remote_setup = vm.setup;
  out.rtcp_rsize = vm.rtcp_rsize;
  out.video = std::move(*video);
  return out;
}

uint32_t host_candidate_priority(bool tcp, uint16_t local_preference) {
  constexpr uint32_t kHostTypePreference = 126;
  // RFC 6544 4.2: local preference = 2^13 * direction-pref (passive: 4) + other-pref.
  const uint32_t local = tcp ? (4u << 13) | (local_preference & 0x1FFF) : local_preference;
  return (kHostTypePreference << 24) | (local << 8) | (256 - 1);
}

namespace {

void append_track(std::string& s, const SdpMedia& m, const NegotiatedTrack& t,
                  const LocalTransport& local, bool rtcp_rsize) {
  s += "m=" + m.kind + " 9 UDP/TLS/RTP/SAVPF " + std::to_string(t.payload_type) + "\r\n";
  s += "c=IN IP4 0.0.0.0\r\n";
  s += "a=mid:" + t.mid + "\r\n";
  s += local.send ? "a=sendonly\r\n" : "a=recvonly\r\n";
  if (local.send) s += "a=msid:stagecast " + m.kind + "\r\n";
  s += "a=ice-ufrag:" + local.ice_ufrag + "\r\n";
  s += "a=ice-pwd:" + local.ice_pwd + "\r\n";
  s += "a=fingerprint:sha-256 " + local.fingerprint_sha256 + "\r\n";
  s += "a=setup:passive\r\n";
  s += "a=rtcp-mux\r\n";
  if (rtcp_rsize) s += "a=rtcp-rsize\r\n";
  for (const auto& e : t.extmaps) s += "a=extmap:" + std::to_string(e.id) + " " + e.uri + "\r\n";
  const std::string pt = std::to_string(t.payload_type);
  const std::string encoding = m.kind == "video" ? "H264" : "opus";
  s += "a=rtpmap:" + pt + " " + encoding + "/" + std::to_string(t.clock_rate) +
       (t.channels ? "/" + std::to_string(t.channels) : "") + "\r\n";
  if (!t.fmtp.empty()) s += "a=fmtp:" + pt + " " + t.fmtp + "\r\n";
  if (t.nack) s += "a=rtcp-fb:" + pt + " nack\r\n";
  if (t.pli) s += "a=rtcp-fb:" + pt + " nack pli\r\n";
  if (t.remb) s += "a=rtcp-fb:" + pt + " goog-remb\r\n";
  if (t.transport_cc) s += "a=rtcp-fb:" + pt + " transport-cc\r\n";
  if (local.send) {
    const uint32_t ssrc = m.kind == "video" ? local.video_ssrc : local.audio_ssrc;
    s += "a=ssrc:" + std::to_string(ssrc) + " cname:stagecast\r\n";
    s += "a=ssrc:" + std::to_string(ssrc) + " msid:stagecast " + m.kind + "\r\n";
  }
  s += host_candidate_lines(local);
}

}  // namespace

std::string host_candidate_lines(const LocalTransport& local) {
  std::string s;
  uint32_t foundation = 1;
  uint16_t preference = 65535;
  for (const auto& c : local.udp) {
    s += "a=candidate:" + std::to_string(foundation++) + " 1 udp " +
         std::to_string(host_candidate_priority(false, preference--)) + " " + c.address + " " +
         std::to_string(c.port) + " typ host\r\n";
  }
  preference = 8191;
  for (const auto& c : local.tcp) {
    s += "a=candidate:" + std::to_string(foundation++) + " 1 tcp " +
         std::to_string(host_candidate_priority(true, preference--)) + " " + c.address + " " +
         std::to_string(c.port) + " typ host tcptype passive\r\n";
  }
  s += "a=end-of-candidates\r\n";
  return s;
}

std::string build_answer(const SdpDescription& offer, const NegotiatedOffer& negotiated,
                         const LocalTransport& local) {
  std::string s;
  s += "v=0\r\n";
  s += "o=- " + std::to_string(local.session_id) + " 2 IN IP4 127.0.0.1\r\n";
  s += "s=-\r\n";
  s += "t=0 0\r\n";
  s += "a=ice-lite\r\n";
  s += "a=group:BUNDLE " + negotiated.video.mid;
  // The group lists the accepted mids in the order of the m= lines.
  if (negotiated.audio) {
    s = negotiated.audio->media_index < negotiated.video.media_index
            ? s.substr(0, s.size() - negotiated.video.mid.size()) + negotiated.audio->mid + " " +
                  negotiated.video.mid
            : s + " " + negotiated.audio->mid;
  }
  s += "\r\n";
  for (size_t i = 0; i < offer.media.size(); ++i) {
    const SdpMedia& m = offer.media[i];
    if (i == negotiated.video.media_index) {
      append_track(s, m, negotiated.video, local, negotiated.rtcp_rsize);
    } else if (negotiated.audio && i == negotiated.audio->media_index) {
      append_track(s, m, *negotiated.audio, local, negotiated.rtcp_rsize);
    } else {
      // RFC 8829 5.3.1: a rejected section keeps its media and protocol, port 0, one format.
      s += "m=" + m.kind + " 0 " + m.protocol + " " + (m.formats.empty() ? "0" : m.formats[0]) +
           "\r\n";
      s += "c=IN IP4 0.0.0.0\r\n";
      if (!m.mid.empty()) s += "a=mid:" + m.mid + "\r\n";
      s += "a=inactive\r\n";
    }
  }
  return s;
}

}  // namespace stagecast::rtc
