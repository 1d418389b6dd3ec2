#include <gtest/gtest.h>

#include "rtc/rtcp_feedback.h"
#include "rtc/rtcp_packet.h"

namespace stagecast::rtc {
namespace {

// A Chromium-style compound: SR with one report block, then SDES with a CNAME.
const Bytes kSrSdes = {
    0x81, 0xc8, 0x00, 0x0c,                          // SR, RC=1, 12 words
    0x11, 0x22, 0x33, 0x44,                          // sender SSRC
    0xe9, 0x49, 0x2b, 0x80, 0x40, 0x00, 0x00, 0x00,  // NTP 3913886592.25
    0x00, 0x01, 0x5f, 0x90,                          // RTP 90000
    0x00, 0x00, 0x00, 0x64,                          // 100 packets
    0x00, 0x01, 0x86, 0xa0,                          // 100000 octets
    0x55, 0x66, 0x77, 0x88,                          // report block: SSRC
    0x19, 0xff, 0xff, 0xfe,                          // fraction 25, cumulative -2
    0x00, 0x01, 0x00, 0x05, 0x00, 0x00, 0x00, 0x10,  // highest, jitter
    0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x10, 0x00,  // LSR, DLSR
    0x81, 0xca, 0x00, 0x03,                          // SDES, 1 chunk, 3 words
    0x11, 0x22, 0x33, 0x44, 0x01, 0x02, 0x41, 0x42,  // CNAME "AB"
    0x00, 0x00, 0x00, 0x00};

TEST(RtcpParse, SenderReportAndSdes) {
  auto c = parse_rtcp_compound(kSrSdes);
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_EQ(c->sender_reports.size(), 1u);
  const auto& sr = c->sender_reports[0];
  EXPECT_EQ(sr.ssrc, 0x11223344u);
  EXPECT_EQ(sr.ntp_timestamp, 0xe9492b8040000000ull);
  EXPECT_EQ(sr.rtp_timestamp, 90000u);
  EXPECT_EQ(sr.packet_count, 100u);
  EXPECT_EQ(sr.octet_count, 100000u);
  ASSERT_EQ(sr.reports.size(), 1u);
  EXPECT_EQ(sr.reports[0].fraction_lost, 25);
  EXPECT_EQ(sr.reports[0].cumulative_lost, -2);
  EXPECT_EQ(sr.reports[0].last_sr, 0x12345678u);
  EXPECT_EQ(c->skipped, 1u);
  EXPECT_EQ(ntp_compact(sr.ntp_timestamp), 0x2b804000u);
}

TEST(RtcpParse, ByeWithReason) {
  const Bytes bye = {0x81, 0xcb, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44,
                     0x04, 'd',  'o',  'n',  'e',  0x00, 0x00, 0x00};
  auto c = parse_rtcp_compound(bye);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->byes.size(), 1u);
  EXPECT_EQ(c->byes[0].ssrcs, std::vector<uint32_t>{0x11223344});
  EXPECT_EQ(c->byes[0].reason, "done");
}

TEST(RtcpParse, RefusesMalformed) {
  EXPECT_FALSE(parse_rtcp_compound({}).ok());
  Bytes truncated(kSrSdes.begin(), kSrSdes.end() - 4);
  EXPECT_FALSE(parse_rtcp_compound(truncated).ok());
  Bytes bad_count = kSrSdes;
  bad_count[0] = 0x83;  // three report blocks in a packet holding one
  EXPECT_FALSE(parse_rtcp_compound(bad_count).ok());
  Bytes version = kSrSdes;
  version[0] = 0x41;
  EXPECT_FALSE(parse_rtcp_compound(version).ok());
  Bytes padding_not_last = kSrSdes;
  padding_not_last[0] |= 0x20;
  EXPECT_FALSE(parse_rtcp_compound(padding_not_last).ok());
}

TEST(RtcpBuild, ReceiverReportRoundTrip) {
  RtcpReportBlock b;
  b.ssrc = 0xabcdef01;
  b.fraction_lost = 12;
  b.cumulative_lost = -5;
  b.highest_sequence = 0x00020010;
  b.jitter = 33;
  b.last_sr = 0x2b804000;
  b.delay_since_last_sr = 65536;
  Bytes rr = build_receiver_report(1, std::span(&b, 1));
  EXPECT_EQ(rr.size(), 32u);
  auto c = parse_rtcp_compound(rr);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->receiver_reports.size(), 1u);
  const auto& got = c->receiver_reports[0].reports.at(0);
  EXPECT_EQ(got.ssrc, b.ssrc);
  EXPECT_EQ(got.fraction_lost, 12);
  EXPECT_EQ(got.cumulative_lost, -5);
  EXPECT_EQ(got.highest_sequence, b.highest_sequence);
  EXPECT_EQ(got.delay_since_last_sr, 65536u);
}

TEST(RtcpBuild, Pli) {
  const Bytes expected = {0x81, 0xce, 0x00, 0x02, 0, 0, 0, 1, 0x11, 0x22, 0x33, 0x44};
  EXPECT_EQ(build_pli(1, 0x11223344), expected);
}

TEST(RtcpBuild, NackPacksPidAndBlp) {
  // 100, 101, 116 in one item (116 = 100 + 16), 117 in the next; 65535 and 0 across the wrap.
  const std::vector<uint16_t> lost = {100, 101, 116, 117};
  auto items = pack_nack_items(lost);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0], (NackItem{100, 0x8001}));
  EXPECT_EQ(items[1], (NackItem{117, 0}));
  const std::vector<uint16_t> wrap = {65534, 0, 65535, 0};
  auto wrapped = pack_nack_items(wrap);
  ASSERT_EQ(wrapped.size(), 1u);
  EXPECT_EQ(wrapped[0], (NackItem{65534, 0x0003}));

  Bytes nack = build_nack(1, 0x11223344, lost);
  auto c = parse_rtcp_compound(nack);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->feedback.size(), 1u);
  EXPECT_EQ(c->feedback[0].packet_type, rtcp_type::kRtpFeedback);
  EXPECT_EQ(c->feedback[0].format, 1);
  EXPECT_EQ(c->feedback[0].media_ssrc, 0x11223344u);
  EXPECT_EQ(parse_nack_fci(c->feedback[0].fci), lost);
  EXPECT_TRUE(build_nack(1, 2, {}).empty());
}

TEST(RtcpBuild, Remb) {
  const std::vector<uint32_t> ssrcs = {0x11223344};
  Bytes remb = build_remb(1, 2'500'000, ssrcs);
  auto c = parse_rtcp_compound(remb);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->feedback.size(), 1u);
  const auto& fb = c->feedback[0];
  EXPECT_EQ(fb.format, 15);
  ASSERT_EQ(fb.fci.size(), 12u);
  EXPECT_EQ(as_string_view(ByteSpan(fb.fci).first(4)), "REMB");
  EXPECT_EQ(fb.fci[4], 1);
  const uint32_t exp = fb.fci[5] >> 2;
  const uint32_t mantissa = ((fb.fci[5] & 3u) << 16) | (fb.fci[6] << 8) | fb.fci[7];
  const uint64_t bitrate = uint64_t{mantissa} << exp;
  EXPECT_LE(bitrate, 2'500'000u);
  EXPECT_GT(bitrate, 2'490'000u);
}

}  // namespace
}  // namespace stagecast::rtc

namespace stagecast::rtc {
namespace {

TEST(RtcpSenderReport, BuiltThenParsed) {
  RtcpSenderReport sr;
  sr.ssrc = 0xCAFEBABE;
  sr.ntp_timestamp = 0xE8A1B2C3D4E5F607ULL;
  sr.rtp_timestamp = 123456789;
  sr.packet_count = 42;
  sr.octet_count = 50'000;
  const Bytes packet = build_sender_report(sr);
  EXPECT_EQ(packet.size(), 28u);  // header, SSRC, NTP, RTP, counts; no report blocks
  auto parsed = parse_rtcp_compound(packet);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->sender_reports.size(), 1u);
  const auto& back = parsed->sender_reports[0];
  EXPECT_EQ(back.ssrc, sr.ssrc);
  EXPECT_EQ(back.ntp_timestamp, sr.ntp_timestamp);
  EXPECT_EQ(back.rtp_timestamp, sr.rtp_timestamp);
  EXPECT_EQ(back.packet_count, sr.packet_count);
  EXPECT_EQ(back.octet_count, sr.octet_count);
  EXPECT_TRUE(back.reports.empty());
}

}  // namespace
}  // namespace stagecast::rtc
