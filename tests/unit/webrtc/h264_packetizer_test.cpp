// rtc/h264_packetizer (WHEP's sending side) against ingest's depacketizer (the receiving side,
// tested on its own against hand-built packets): what one packs, the other unpacks unchanged.
#include "rtc/h264_packetizer.h"

#include <gtest/gtest.h>

#include "ingest/webrtc/h264_depacketizer.h"
#include "rtc/rtp_packet.h"

namespace stagecast::rtc {
namespace {

const Bytes kSps = {0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xa0, 0x2f, 0xf9, 0x7f,
                    0xf0, 0x00, 0x30, 0x00, 0x41, 0x00, 0x00, 0x03, 0x00, 0x01,
                    0x00, 0x00, 0x03, 0x00, 0x3c, 0x0f, 0x16, 0x2e, 0x48};
const Bytes kPps = {0x68, 0xcb, 0x83, 0xcb, 0x20};
const Bytes kAud = {0x09, 0xf0};

Bytes avcc(std::initializer_list<const Bytes*> nals) {
  Bytes out;
  for (const Bytes* n : nals) {
    ByteWriter w(out);
    w.u32be(static_cast<uint32_t>(n->size()));
    w.bytes(*n);
  }
  return out;
}

Bytes nal(uint8_t header, size_t size) {
  Bytes n(size);
  n[0] = header;
  for (size_t i = 1; i < size; ++i) n[i] = static_cast<uint8_t>(i * 7);
  return n;
}

H264ParameterSets sets() {
  return {{kSps}, {kPps}};
}

// The payloads as RTP packets (marker on the last) through the depacketizer.
std::vector<ingest::webrtc::DepacketizedVideo> unpack(const std::vector<Bytes>& payloads,
                                                      uint32_t ts, uint16_t& seq,
                                                      ingest::webrtc::H264Depacketizer& d) {
  std::vector<ingest::webrtc::DepacketizedVideo> out;
  for (size_t i = 0; i < payloads.size(); ++i) {
    RtpHeaderFields h{102, i + 1 == payloads.size(), seq++, ts, 0x1234};
    const Bytes packet = write_rtp_packet(h, payloads[i]);
    auto parsed = parse_rtp_packet(packet);
    EXPECT_TRUE(parsed.ok());
    d.push(*parsed, false, out);
  }
  return out;
}

TEST(H264Packetizer, SmallNalUnitsGoWholeAndTheKeyFrameGetsItsParameterSets) {
  const Bytes idr = nal(0x65, 300);
  const Bytes sei = nal(0x06, 20);
  auto p = packetize_h264(avcc({&kAud, &sei, &idr}), sets(), 1200);
  ASSERT_TRUE(p.ok());
  // STAP-A (SPS, PPS), SEI, IDR; the AUD left out.
  ASSERT_EQ(p->size(), 3u);
  EXPECT_EQ((*p)[0][0] & 0x1F, 24);
  EXPECT_EQ((*p)[1], sei);
  EXPECT_EQ((*p)[2], idr);

  ingest::webrtc::H264Depacketizer d;
  uint16_t seq = 1;
  auto out = unpack(*p, 9000, seq, d);
  ASSERT_EQ(out.size(), 1u);
  ASSERT_TRUE(out[0].config);
  EXPECT_EQ(out[0].config->width, 640);
  ASSERT_TRUE(out[0].frame);
  EXPECT_TRUE(out[0].frame->keyframe);
  EXPECT_EQ(out[0].frame->data, avcc({&kSps, &kPps, &sei, &idr}));
}

TEST(H264Packetizer, LargeNalUnitsAreSplitIntoFuAWithinTheLimit) {
  const Bytes idr = nal(0x65, 5000);
  const Bytes slice = nal(0x41, 2401);
  auto key = packetize_h264(avcc({&kSps, &kPps, &idr}), sets(), 1000);
  ASSERT_TRUE(key.ok());
  // The access unit carries its own SPS and PPS: no STAP-A is added.
  EXPECT_EQ((*key)[0], kSps);
  EXPECT_EQ((*key)[1], kPps);
  size_t fragments = 0;
  for (size_t i = 2; i < key->size(); ++i) {
    const Bytes& f = (*key)[i];
    EXPECT_LE(f.size(), 1000u);
    EXPECT_EQ(f[0], (0x65 & 0xE0) | 28);
    EXPECT_EQ(f[1] & 0x1F, 5);
    EXPECT_EQ((f[1] & 0x80) != 0, i == 2) << i;                // S on the first
    EXPECT_EQ((f[1] & 0x40) != 0, i + 1 == key->size()) << i;  // E on the last
    ++fragments;
  }
  EXPECT_EQ(fragments, 6u);  // 4999 bytes after the header in 998-byte pieces

  auto delta = packetize_h264(avcc({&slice}), sets(), 1000);
  ASSERT_TRUE(delta.ok());
  EXPECT_EQ(delta->size(), 3u);

  ingest::webrtc::H264Depacketizer d;
  uint16_t seq = 65530;  // across the sequence wrap
  auto a = unpack(*key, 0, seq, d);
  auto b = unpack(*delta, 3000, seq, d);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].frame->data, avcc({&kSps, &kPps, &idr}));
  EXPECT_EQ(b[0].frame->data, avcc({&slice}));
  EXPECT_FALSE(b[0].frame->keyframe);
}

TEST(H264Packetizer, MalformedAndEmptyAccessUnits) {
  Bytes bad = avcc({&kPps});
  bad[3] = 200;  // a length past the end
  auto r = packetize_h264(bad, sets());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "h264_malformed");
  EXPECT_FALSE(packetize_h264(Bytes{0, 0}, sets()).ok());
  auto only_aud = packetize_h264(avcc({&kAud}), sets());
  ASSERT_TRUE(only_aud.ok());
  EXPECT_TRUE(only_aud->empty());
  // An IDR with no parameter sets known still goes out (the viewer may have them in-band later).
  const Bytes idr = nal(0x65, 10);
  auto bare = packetize_h264(avcc({&idr}), H264ParameterSets{});
  ASSERT_TRUE(bare.ok());
  ASSERT_EQ(bare->size(), 1u);
}

}  // namespace
}  // namespace stagecast::rtc

namespace stagecast::rtc {
namespace {

TEST(H264Packetizer, RtpPacketTypesInsideAnAccessUnitAreLeftOut) {
  const Bytes stap = {0x78, 0x00, 0x01, 0x65};  // type 24 where a NAL unit should be
  const Bytes fu = {0x7c, 0x85, 0x01};          // type 28
  const Bytes slice = {0x41, 0x9a, 0x02};
  auto p = packetize_h264(avcc({&stap, &fu, &slice}), sets());
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->size(), 1u);
  EXPECT_EQ((*p)[0], slice);
}

}  // namespace
}  // namespace stagecast::rtc

// rtc/h264_payload_info: what a forwarded packet carries, read from its payload alone.
#include "rtc/h264_payload_info.h"

namespace stagecast::rtc {
namespace {

TEST(H264PayloadInfo, SeesKeyFramesInEachPacketType) {
  const Bytes idr = nal(0x65, 2000);
  auto packets = packetize_h264(avcc({&idr}), sets());
  ASSERT_TRUE(packets.ok());
  ASSERT_GE(packets->size(), 3u);  // STAP-A of the parameter sets, then the IDR in FU-As
  const auto stap = inspect_h264_payload((*packets)[0]);
  EXPECT_TRUE(stap.sps);
  EXPECT_FALSE(stap.idr);
  const auto fu_start = inspect_h264_payload((*packets)[1]);
  EXPECT_TRUE(fu_start.idr);
  EXPECT_FALSE(inspect_h264_payload((*packets)[2]).idr);  // a middle fragment begins nothing

  EXPECT_TRUE(inspect_h264_payload(nal(0x65, 10)).idr);  // a single NAL unit packet
  EXPECT_TRUE(inspect_h264_payload(kSps).sps);
  const auto slice = inspect_h264_payload(nal(0x41, 10));
  EXPECT_FALSE(slice.idr || slice.sps);
}

TEST(H264PayloadInfo, MalformedAggregationStopsTheWalk) {
  // A STAP-A whose second size runs past the end: the first NAL unit still counts.
  Bytes stap = {0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x40, 0x65};
  const auto info = inspect_h264_payload(stap);
  EXPECT_TRUE(info.sps);
  EXPECT_FALSE(info.idr);
  EXPECT_FALSE(inspect_h264_payload(Bytes{}).sps);
  EXPECT_FALSE(inspect_h264_payload(Bytes{0x7c}).idr);  // an FU-A with no FU header
  EXPECT_FALSE(inspect_h264_payload(Bytes{0x78, 0x00, 0x00, 0x65}).idr);  // a zero size
}

TEST(H264Packetizer, ParameterSetsAloneAreOneStapA) {
  auto payloads = packetize_parameter_sets(sets());
  ASSERT_EQ(payloads.size(), 1u);
  EXPECT_EQ(payloads[0][0] & 0x1F, 24);
  EXPECT_TRUE(inspect_h264_payload(payloads[0]).sps);
  EXPECT_TRUE(packetize_parameter_sets(H264ParameterSets{}).empty());
}

}  // namespace
}  // namespace stagecast::rtc
