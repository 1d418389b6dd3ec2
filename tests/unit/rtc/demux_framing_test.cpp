#include <gtest/gtest.h>

#include "rtc/packet_demux.h"
#include "rtc/rfc4571_framing.h"
#include "stun_vectors.h"

namespace stagecast::rtc {
namespace {

Bytes packet(uint8_t b0, uint8_t b1, size_t size) {
  Bytes p(size, 0);
  p[0] = b0;
  if (size > 1) p[1] = b1;
  return p;
}

TEST(PacketDemux, Rfc7983Ranges) {
  EXPECT_EQ(classify_packet(test::kRfc5769Request), PacketKind::Stun);
  EXPECT_EQ(classify_packet(packet(22, 0xfe, 40)), PacketKind::Dtls);  // handshake record
  EXPECT_EQ(classify_packet(packet(63, 0, 13)), PacketKind::Dtls);
  EXPECT_EQ(classify_packet(packet(0x80, 96, 100)), PacketKind::Rtp);
  EXPECT_EQ(classify_packet(packet(0x90, 0x80 | 111, 100)), PacketKind::Rtp);  // marker, PT 111
  EXPECT_EQ(classify_packet(packet(0x80, 200, 28)), PacketKind::Rtcp);  // SR
  EXPECT_EQ(classify_packet(packet(0x81, 206, 12)), PacketKind::Rtcp);  // PLI
  EXPECT_EQ(classify_packet(packet(0xbf, 201, 8)), PacketKind::Rtcp);
}

TEST(PacketDemux, DropsOtherRangesAndRunts) {
  EXPECT_EQ(classify_packet({}), PacketKind::Unknown);
  EXPECT_EQ(classify_packet(packet(16, 0, 40)), PacketKind::Unknown);   // ZRTP
  EXPECT_EQ(classify_packet(packet(64, 0, 40)), PacketKind::Unknown);   // TURN channel
  EXPECT_EQ(classify_packet(packet(192, 0, 40)), PacketKind::Unknown);  // above RTP
  EXPECT_EQ(classify_packet(packet(255, 0, 40)), PacketKind::Unknown);
  EXPECT_EQ(classify_packet(packet(0, 1, 19)), PacketKind::Unknown);
  EXPECT_EQ(classify_packet(packet(0x80, 96, 11)), PacketKind::Unknown);
  EXPECT_EQ(classify_packet(packet(0x80, 200, 7)), PacketKind::Unknown);
  EXPECT_EQ(classify_packet(packet(22, 0, 12)), PacketKind::Unknown);
}

TEST(Rfc4571, FrameAndReadBack) {
  Bytes stream;
  for (size_t n : {size_t{20}, size_t{1}, size_t{1200}}) {
    auto f = rfc4571_frame(Bytes(n, static_cast<uint8_t>(n)));
    ASSERT_TRUE(f.ok());
    stream.insert(stream.end(), f->begin(), f->end());
  }
  // Byte by byte, and all at once: the same three frames.
  for (size_t slice : {size_t{1}, size_t{3}, size_t{7}, stream.size()}) {
    Rfc4571Reader reader;
    std::vector<Bytes> frames;
    for (size_t pos = 0; pos < stream.size(); pos += slice) {
      ASSERT_TRUE(reader.feed(ByteSpan(stream).subspan(pos, std::min(slice, stream.size() - pos)),
                              frames).ok());
    }
    ASSERT_EQ(frames.size(), 3u) << slice;
    EXPECT_EQ(frames[0], Bytes(20, 20));
    EXPECT_EQ(frames[1], Bytes(1, 1));
    EXPECT_EQ(frames[2], Bytes(1200, static_cast<uint8_t>(1200)));
    EXPECT_EQ(reader.buffered(), 0u);
  }
}

TEST(Rfc4571, KeepsAPartialFrame) {
  Rfc4571Reader reader;
  std::vector<Bytes> frames;
  const Bytes head = {0x00, 0x04, 1, 2};
  ASSERT_TRUE(reader.feed(head, frames).ok());
  EXPECT_TRUE(frames.empty());
  EXPECT_EQ(reader.buffered(), 4u);
  const Bytes tail = {3, 4, 0x00};  // the rest, and the first byte of the next prefix
  ASSERT_TRUE(reader.feed(tail, frames).ok());
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], (Bytes{1, 2, 3, 4}));
  EXPECT_EQ(reader.buffered(), 1u);
}

TEST(Rfc4571, SkipsEmptyFrames) {
  Rfc4571Reader reader;
  std::vector<Bytes> frames;
  const Bytes input = {0, 0, 0, 1, 9, 0, 0};
  ASSERT_TRUE(reader.feed(input, frames).ok());
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], Bytes{9});
}

TEST(Rfc4571, RefusesOversizedFramesForGood) {
  Rfc4571Reader reader(1500);
  std::vector<Bytes> frames;
  const Bytes input = {0x05, 0xdd};  // 1501
  EXPECT_FALSE(reader.feed(input, frames).ok());
  EXPECT_TRUE(reader.failed());
  const Bytes fine = {0, 1, 1};
  EXPECT_FALSE(reader.feed(fine, frames).ok());
  EXPECT_TRUE(frames.empty());
  EXPECT_FALSE(rfc4571_frame(Bytes(70000, 0)).ok());
}

}  // namespace
}  // namespace stagecast::rtc
