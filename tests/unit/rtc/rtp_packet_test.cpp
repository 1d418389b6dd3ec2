#include "rtc/rtp_packet.h"

#include <gtest/gtest.h>

#include "rtp_builder.h"

namespace stagecast::rtc {
namespace {

TEST(RtpPacket, FixedHeader) {
  Bytes p = test::make_rtp(102, 65535, 0xdeadbeef, true, {1, 2, 3});
  auto r = parse_rtp_packet(p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->payload_type, 102);
  EXPECT_TRUE(r->marker);
  EXPECT_EQ(r->sequence, 65535);
  EXPECT_EQ(r->timestamp, 0xdeadbeefu);
  EXPECT_EQ(r->ssrc, 0x11223344u);
  EXPECT_EQ(Bytes(r->payload.begin(), r->payload.end()), (Bytes{1, 2, 3}));
}

// A Chromium-style video packet: two CSRCs, a one-byte extension block (abs-send-time id 2,
// 3 bytes; mid id 9, "0"; padding), and 4 bytes of RTP padding.
TEST(RtpPacket, CsrcsOneByteExtensionsAndPadding) {
  const Bytes p = {
      0xb2, 0x66, 0x00, 0x01, 0x00, 0x00, 0x10, 0x00, 0xaa, 0xbb, 0xcc, 0xdd,  // V=2 P X CC=2
      0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,                          // CSRCs
      0xbe, 0xde, 0x00, 0x02,                                                  // 2 words
      0x22, 0x01, 0x02, 0x03, 0x90, 0x30, 0x00, 0x00,                          // id 2, id 9
      0x65, 0x66,                                                              // payload
      0x00, 0x00, 0x00, 0x04};                                                 // padding
  auto r = parse_rtp_packet(p);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->csrcs, (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(r->extension_profile, 0xBEDE);
  ASSERT_EQ(r->extensions.size(), 2u);
  ASSERT_NE(r->extension(2), nullptr);
  EXPECT_EQ(r->extension(2)->value.size(), 3u);
  ASSERT_NE(r->extension(9), nullptr);
  EXPECT_EQ(as_string_view(r->extension(9)->value), "0");
  EXPECT_EQ(r->padding, 4);
  EXPECT_EQ(Bytes(r->payload.begin(), r->payload.end()), (Bytes{0x65, 0x66}));
}

TEST(RtpPacket, TwoByteExtensions) {
  const Bytes p = {0x90, 0x60, 0x00, 0x01, 0, 0, 0, 1, 0, 0, 0, 2,
                   0x10, 0x00, 0x00, 0x02,              // profile 0x1000, 2 words
                   0x05, 0x03, 0x61, 0x62, 0x63, 0x00,  // id 5, length 3, "abc", padding
                   0x07, 0x00,                          // id 7, empty
                   0x99};
  auto r = parse_rtp_packet(p);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->extensions.size(), 2u);
  EXPECT_EQ(as_string_view(r->extension(5)->value), "abc");
  EXPECT_TRUE(r->extension(7)->value.empty());
  EXPECT_EQ(r->payload.size(), 1u);
}

TEST(RtpPacket, RefusesMalformed) {
  Bytes good = test::make_rtp(96, 1, 1, false, {1});
  EXPECT_FALSE(parse_rtp_packet(ByteSpan(good).first(11)).ok());
  Bytes v1 = good;
  v1[0] = 0x40;
  EXPECT_FALSE(parse_rtp_packet(v1).ok());
  Bytes csrc = good;
  csrc[0] = 0x8f;  // 15 CSRCs that are not there
  EXPECT_FALSE(parse_rtp_packet(csrc).ok());
  Bytes ext = good;
  ext[0] = 0x90;  // X bit, no extension header
  EXPECT_FALSE(parse_rtp_packet(ext).ok());
  Bytes pad = good;
  pad[0] = 0xa0;
  pad.back() = 5;  // more padding than payload
  EXPECT_FALSE(parse_rtp_packet(pad).ok());
  pad.back() = 0;
  EXPECT_FALSE(parse_rtp_packet(pad).ok());
  const Bytes element_overrun = {0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2,
                                 0xbe, 0xde, 0x00, 0x01, 0x13, 0x01, 0x02, 0x03};  // id 1, 4 bytes
  EXPECT_FALSE(parse_rtp_packet(element_overrun).ok());
}

TEST(RtpPacket, UnwrapSequenceAndTimestamp) {
  EXPECT_EQ(unwrap_sequence(65535, 0), 65536);
  EXPECT_EQ(unwrap_sequence(65536, 65535), 65535);
  EXPECT_EQ(unwrap_sequence(10, 5), 5);
  EXPECT_EQ(unwrap_timestamp(0xFFFFFF00ll, 0x10), 0x100000010ll);
  EXPECT_EQ(unwrap_timestamp(0x100000010ll, 0xFFFFFF00u), 0xFFFFFF00ll);
}

}  // namespace
}  // namespace stagecast::rtc
