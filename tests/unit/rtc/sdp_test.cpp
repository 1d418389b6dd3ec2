#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "rtc/sdp_answer.h"
#include "rtc/sdp_description.h"

namespace stagecast::rtc {
namespace {

std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(STAGECAST_TEST_DATA) + "/webrtc/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
  }
  return s;
}

// Removes every line that starts with `prefix`.
std::string drop_lines(const std::string& s, const std::string& prefix) {
  std::istringstream in(s);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) != 0) out += line + "\n";
  }
  return out;
}

const LocalTransport kLocal{"sTgC", "abcdefghijklmnopqrstuvwx",
                            "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99",
                            {{"203.0.113.10", 8189}, {"2001:db8::10", 8189}},
                            {{"203.0.113.10", 8189}},
                            42};

Result<NegotiatedOffer> negotiate_text(const std::string& text) {
  auto sdp = parse_sdp(text);
  if (!sdp) return sdp.error();
  return negotiate_offer(*sdp);
}

TEST(SdpParse, ChromiumOffer) {
  auto sdp = parse_sdp(read_fixture("chromium_offer.sdp"));
  ASSERT_TRUE(sdp.ok()) << sdp.error().message;
  ASSERT_EQ(sdp->media.size(), 2u);
  ASSERT_EQ(sdp->bundle_groups.size(), 1u);
  EXPECT_EQ(sdp->bundle_groups[0], (std::vector<std::string>{"0", "1"}));
  const auto& video = sdp->media[0];
  EXPECT_EQ(video.kind, "video");
  EXPECT_EQ(video.protocol, "UDP/TLS/RTP/SAVPF");
  EXPECT_EQ(video.mid, "0");
  EXPECT_EQ(video.direction, "sendonly");
  EXPECT_TRUE(video.rtcp_mux);
  EXPECT_TRUE(video.rtcp_rsize);
  EXPECT_EQ(video.setup, "actpass");
  ASSERT_TRUE(video.fingerprint);
  EXPECT_EQ(video.fingerprint->algorithm, "sha-256");
  EXPECT_EQ(video.fingerprint->value.size(), 95u);
  EXPECT_EQ(video.ice_ufrag.size(), 4u);
  EXPECT_EQ(video.extmap_id(kExtMid), 9);
  EXPECT_TRUE(video.has_rtcp_fb(102, "nack pli"));
  EXPECT_EQ(parse_fmtp_parameters(video.fmtp(102))["profile-level-id"], "42001f");
  EXPECT_EQ(video.ssrcs.size(), 2u);  // the media SSRC and its RTX
  EXPECT_EQ(sdp->media[1].rtpmap(111)->encoding, "opus");
}

TEST(SdpNegotiate, ChromiumOfferPicksConstrainedBaselineAndOpus) {
  auto n = negotiate_text(read_fixture("chromium_offer.sdp"));
  ASSERT_TRUE(n.ok()) << n.error().code << ": " << n.error().message;
  EXPECT_EQ(n->video.payload_type, 108);  // 42e01f with packetization-mode=1
  EXPECT_EQ(n->video.mid, "0");
  EXPECT_TRUE(n->video.nack);
  EXPECT_TRUE(n->video.pli);
  EXPECT_TRUE(n->video.remb);
  EXPECT_FALSE(n->video.transport_cc);
  ASSERT_TRUE(n->audio);
  EXPECT_EQ(n->audio->payload_type, 111);
  EXPECT_EQ(n->audio->clock_rate, 48000);
  EXPECT_EQ(n->audio->channels, 2);
  EXPECT_EQ(n->remote_setup, "actpass");
  EXPECT_EQ(n->remote_fingerprint.algorithm, "sha-256");
}

TEST(SdpNegotiate, PrefersTheOrderOfProfiles) {
  const std::string offer = read_fixture("chromium_offer.sdp");
  // Without 42e01f, the 42001f packetization-mode=1 entry.
  auto n = negotiate_text(replace_all(offer, "profile-level-id=42e01f", "profile-level-id=640032"));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->video.payload_type, 102);
  // Only main and high left (OBS with x264 "main" or "high").
  std::string main_only = replace_all(offer, "profile-level-id=42e01f", "profile-level-id=640028");
  main_only = replace_all(main_only, "packetization-mode=1;profile-level-id=42001f",
                          "packetization-mode=0;profile-level-id=42001f");
  n = negotiate_text(main_only);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->video.payload_type, 116);  // 4d001f ranks above 640028
}

TEST(SdpNegotiate, NamesWhatIsMissing) {
  const std::string offer = read_fixture("chromium_offer.sdp");
  auto code = [](const std::string& text) {
    auto n = negotiate_text(text);
    return n.ok() ? std::string("ok") : n.error().code;
  };
  EXPECT_EQ(code(replace_all(offer, "H264/90000", "H265/90000")), "sdp_no_video");
  EXPECT_EQ(code(replace_all(offer, "packetization-mode=1", "packetization-mode=0")),
            "sdp_no_video");
  EXPECT_EQ(code(drop_lines(offer, "a=group:BUNDLE")), "sdp_no_bundle");
  EXPECT_EQ(code(drop_lines(offer, "a=rtcp-mux")), "sdp_no_rtcp_mux");
  EXPECT_EQ(code(drop_lines(offer, "a=fingerprint")), "sdp_no_fingerprint");
  EXPECT_EQ(code(replace_all(offer, "a=fingerprint:sha-256", "a=fingerprint:sha-1")),
            "sdp_no_fingerprint");
  EXPECT_EQ(code(drop_lines(offer, "a=ice-pwd")), "sdp_no_ice_credentials");
  EXPECT_EQ(code(replace_all(offer, "a=setup:actpass", "a=setup:passive")), "sdp_bad_setup");
  EXPECT_EQ(code(replace_all(offer, "a=sendonly", "a=recvonly")), "sdp_not_sending");
  EXPECT_EQ(code(replace_all(offer, "m=video", "m=text")), "sdp_no_video");
  // Audio that is not Opus is left out; the stream goes on with video.
  auto n = negotiate_text(replace_all(offer, "opus/48000/2", "speex/48000/2"));
  ASSERT_TRUE(n.ok());
  EXPECT_FALSE(n->audio);
}

TEST(SdpParse, RefusesMalformed) {
  EXPECT_FALSE(parse_sdp("").ok());
  EXPECT_FALSE(parse_sdp("x=0\r\n").ok());
  EXPECT_FALSE(parse_sdp("v=0\r\nm=video\r\n").ok());
  EXPECT_FALSE(parse_sdp("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:300 H264/90000\r\n").ok());
  EXPECT_FALSE(parse_sdp("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\rX\r\n").ok());
  EXPECT_FALSE(parse_sdp(std::string(kMaxSdpBytes + 1, 'a')).ok());
  EXPECT_TRUE(parse_sdp("v=0\nm=video 9 UDP/TLS/RTP/SAVPF 96\n").ok());  // LF only
}

TEST(SdpAnswer, ForTheChromiumOffer) {
  auto offer = parse_sdp(read_fixture("chromium_offer.sdp"));
  ASSERT_TRUE(offer.ok());
  auto n = negotiate_offer(*offer);
  ASSERT_TRUE(n.ok());
  const std::string answer = build_answer(*offer, *n, kLocal);
  // The answer parses, and says what it must.
  auto parsed = parse_sdp(answer);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_TRUE(parsed->ice_lite);
  ASSERT_EQ(parsed->bundle_groups.size(), 1u);
  EXPECT_EQ(parsed->bundle_groups[0], (std::vector<std::string>{"0", "1"}));
  ASSERT_EQ(parsed->media.size(), 2u);
  const auto& v = parsed->media[0];
  EXPECT_EQ(v.formats, std::vector<std::string>{"108"});
  EXPECT_EQ(v.direction, "recvonly");
  EXPECT_EQ(v.setup, "passive");
  EXPECT_EQ(v.ice_ufrag, "sTgC");
  EXPECT_EQ(v.fingerprint->value, kLocal.fingerprint_sha256);
  EXPECT_TRUE(v.rtcp_mux);
  EXPECT_TRUE(v.has_rtcp_fb(108, "nack"));
  EXPECT_TRUE(v.has_rtcp_fb(108, "nack pli"));
  EXPECT_TRUE(v.has_rtcp_fb(108, "goog-remb"));
  EXPECT_FALSE(v.has_rtcp_fb(108, "transport-cc"));
  EXPECT_EQ(v.extmap_id(kExtMid), 9);
  EXPECT_EQ(v.extmap_id(kExtTransportCc), 0);
  EXPECT_EQ(parse_fmtp_parameters(v.fmtp(108))["profile-level-id"], "42e01f");
  EXPECT_EQ(parsed->media[1].formats, std::vector<std::string>{"111"});
  EXPECT_NE(answer.find("a=rtpmap:111 opus/48000/2\r\n"), std::string::npos);
  EXPECT_NE(answer.find(" 1 udp 2130706431 203.0.113.10 8189 typ host\r\n"), std::string::npos);
  EXPECT_NE(answer.find(" 2001:db8::10 8189 typ host\r\n"), std::string::npos);
  EXPECT_NE(answer.find(" 1 tcp "), std::string::npos);
  EXPECT_NE(answer.find(" 203.0.113.10 8189 typ host tcptype passive\r\n"), std::string::npos);
  // Nothing of the offer's credentials leaks into the answer.
  EXPECT_EQ(answer.find(n->remote_pwd), std::string::npos);
}

TEST(SdpAnswer, RejectsExtraSectionsWithPortZero) {
  std::string text = read_fixture("chromium_offer.sdp");
  text += "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:2\r\n";
  text = replace_all(text, "a=group:BUNDLE 0 1", "a=group:BUNDLE 0 1 2");
  auto offer = parse_sdp(text);
  ASSERT_TRUE(offer.ok());
  auto n = negotiate_offer(*offer);
  ASSERT_TRUE(n.ok());
  auto answer = parse_sdp(build_answer(*offer, *n, kLocal));
  ASSERT_TRUE(answer.ok());
  ASSERT_EQ(answer->media.size(), 3u);
  EXPECT_EQ(answer->media[2].port, 0);
  EXPECT_EQ(answer->media[2].direction, "inactive");
  EXPECT_EQ(answer->bundle_groups[0], (std::vector<std::string>{"0", "1"}));
}

TEST(SdpAnswer, CandidatePriorities) {
  EXPECT_EQ(host_candidate_priority(false, 65535), 2130706431u);
  // Below every UDP candidate we announce (local preferences count down from 65535).
  EXPECT_LT(host_candidate_priority(true, 8191), host_candidate_priority(false, 65535 - 64));
}

}  // namespace
}  // namespace stagecast::rtc

namespace stagecast::rtc {
namespace {

// The Chromium offer as a WHEP viewer makes it: recvonly sections (no SSRCs of its own).
std::string playback_offer() {
  std::string s = replace_all(read_fixture("chromium_offer.sdp"), "a=sendonly", "a=recvonly");
  s = drop_lines(s, "a=ssrc");
  return drop_lines(s, "a=msid");
}

TEST(SdpPlayback, ARecvonlyOfferIsAnsweredSendonlyWithOurSsrcs) {
  auto offer = parse_sdp(playback_offer());
  ASSERT_TRUE(offer.ok()) << offer.error().message;
  // WHIP's rule refuses it: the offer does not send.
  auto whip = negotiate_offer(*offer);
  ASSERT_FALSE(whip.ok());
  EXPECT_EQ(whip.error().code, "sdp_not_sending");

  AnswerOptions options;
  options.playback = true;
  auto n = negotiate_offer(*offer, options);
  ASSERT_TRUE(n.ok()) << n.error().code;
  ASSERT_TRUE(n->audio);
  LocalTransport local = kLocal;
  local.send = true;
  local.video_ssrc = 0x1001;
  local.audio_ssrc = 0x1002;
  const std::string answer = build_answer(*offer, *n, local);
  auto parsed = parse_sdp(answer);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->media[0].direction, "sendonly");
  EXPECT_EQ(parsed->media[1].direction, "sendonly");
  EXPECT_EQ(parsed->media[0].ssrcs, std::vector<uint32_t>{0x1001});
  EXPECT_EQ(parsed->media[1].ssrcs, std::vector<uint32_t>{0x1002});
  EXPECT_NE(answer.find("a=ssrc:4097 cname:stagecast\r\n"), std::string::npos);
  EXPECT_NE(answer.find("a=msid:stagecast video\r\n"), std::string::npos);

  // A sendonly offer is refused for playback, by name.
  auto sending = parse_sdp(read_fixture("chromium_offer.sdp"));
  ASSERT_TRUE(sending.ok());
  auto refused = negotiate_offer(*sending, options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "sdp_not_receiving");
}

TEST(SdpPlayback, TheProfileWeSendIsPreferred) {
  auto offer = parse_sdp(playback_offer());
  ASSERT_TRUE(offer.ok());
  AnswerOptions options;
  options.playback = true;
  auto baseline = negotiate_offer(*offer, options);
  ASSERT_TRUE(baseline.ok());
  EXPECT_EQ(baseline->video.payload_type, 108);  // 42e01f: the usual order
  // A High profile stream, offered High (this Chromium offer has none: one is made of 116).
  auto with_high = parse_sdp(replace_all(playback_offer(),
                                         "packetization-mode=1;profile-level-id=4d001f",
                                         "packetization-mode=1;profile-level-id=64001f"));
  ASSERT_TRUE(with_high.ok());
  options.send_profile_idc = 0x64;
  auto high = negotiate_offer(*with_high, options);
  ASSERT_TRUE(high.ok());
  EXPECT_EQ(high->video.payload_type, 116);
  EXPECT_EQ(parse_fmtp_parameters(high->video.fmtp)["profile-level-id"].substr(0, 2), "64");
  EXPECT_EQ(parse_fmtp_parameters(high->video.fmtp)["packetization-mode"], "1");
  // A garbage profile-level-id is skipped, never thrown on.
  auto odd = parse_sdp(replace_all(playback_offer(), "profile-level-id=42e01f",
                                   "profile-level-id=zz0000"));
  ASSERT_TRUE(odd.ok());
  EXPECT_TRUE(negotiate_offer(*odd, options).ok());
}

}  // namespace
}  // namespace stagecast::rtc
