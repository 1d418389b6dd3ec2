#include "ingest/webrtc/h264_depacketizer.h"

#include <gtest/gtest.h>

#include "media/avc_decoder_config.h"
#include "rtp_builder.h"

namespace stagecast::ingest::webrtc {
namespace {

// The 640x360 constrained baseline SPS of tests/data/fuzz/h264_sps/sps_640x360_baseline.
const Bytes kSps = {0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xa0, 0x2f, 0xf9, 0x7f,
                    0xf0, 0x00, 0x30, 0x00, 0x41, 0x00, 0x00, 0x03, 0x00, 0x01,
                    0x00, 0x00, 0x03, 0x00, 0x3c, 0x0f, 0x16, 0x2e, 0x48};
const Bytes kPps = {0x68, 0xcb, 0x83, 0xcb, 0x20};
const Bytes kIdr = {0x65, 0x88, 0x84, 0x00, 0x33, 0xff, 0x11, 0x22, 0x33, 0x44};
const Bytes kSlice = {0x41, 0x9a, 0x02, 0x04, 0x05};

Bytes stap_a(std::initializer_list<const Bytes*> nals) {
  Bytes out{0x78};  // F=0, NRI=3, type 24
  for (const Bytes* n : nals) {
    ByteWriter w(out);
    w.u16be(static_cast<uint16_t>(n->size()));
    w.bytes(*n);
  }
  return out;
}

// FU-A fragments of `nal`, `size` payload bytes each.
std::vector<Bytes> fu_a(const Bytes& nal, size_t size) {
  std::vector<Bytes> out;
  const uint8_t indicator = static_cast<uint8_t>((nal[0] & 0xE0) | 28);
  for (size_t pos = 1; pos < nal.size(); pos += size) {
    const size_t n = std::min(size, nal.size() - pos);
    uint8_t header = nal[0] & 0x1F;
    if (pos == 1) header |= 0x80;
    if (pos + n == nal.size()) header |= 0x40;
    Bytes p{indicator, header};
    p.insert(p.end(), nal.begin() + static_cast<long>(pos), nal.begin() + static_cast<long>(pos + n));
    out.push_back(std::move(p));
  }
  return out;
}

struct Feeder {
  H264Depacketizer depacketizer;
  std::vector<DepacketizedVideo> out;
  uint16_t seq = 1000;
  void send(const Bytes& payload, uint32_t ts, bool marker, bool after_loss = false) {
    Bytes packet = rtc::test::make_rtp(102, seq++, ts, marker, payload);
    auto parsed = rtc::parse_rtp_packet(packet);
    ASSERT_TRUE(parsed.ok());
    depacketizer.push(*parsed, after_loss, out);
  }
};

Bytes avcc(std::initializer_list<const Bytes*> nals) {
  Bytes out;
  for (const Bytes* n : nals) {
    ByteWriter w(out);
    w.u32be(static_cast<uint32_t>(n->size()));
    w.bytes(*n);
  }
  return out;
}

TEST(H264Depacketizer, StapAThenFuAKeyframeThenSingleNal) {
  Feeder f;
  EXPECT_TRUE(f.depacketizer.take_keyframe_request());  // at start
  f.send(stap_a({&kSps, &kPps}), 3000, false);
  auto fragments = fu_a(kIdr, 4);
  ASSERT_EQ(fragments.size(), 3u);
  for (size_t i = 0; i < fragments.size(); ++i) f.send(fragments[i], 3000, i + 1 == fragments.size());
  f.send(kSlice, 6000, true);

  ASSERT_EQ(f.out.size(), 2u);
  ASSERT_TRUE(f.out[0].config);
  EXPECT_EQ(f.out[0].config->width, 640);
  EXPECT_EQ(f.out[0].config->height, 360);
  EXPECT_EQ(f.out[0].config->codec_string(), "avc1.42c01e");
  auto record = media::parse_avc_decoder_config(f.out[0].config->avcc);
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->sps.at(0), kSps);
  EXPECT_EQ(record->pps.at(0), kPps);
  ASSERT_TRUE(f.out[0].frame);
  EXPECT_TRUE(f.out[0].frame->keyframe);
  EXPECT_EQ(f.out[0].frame->dts, 0);
  EXPECT_EQ(f.out[0].frame->data, avcc({&kSps, &kPps, &kIdr}));
  EXPECT_FALSE(f.out[1].config);
  EXPECT_FALSE(f.out[1].frame->keyframe);
  EXPECT_EQ(f.out[1].frame->dts, 3000);
  EXPECT_EQ(f.out[1].frame->pts, 3000);
  EXPECT_EQ(f.out[1].frame->data, avcc({&kSlice}));
  EXPECT_EQ(f.depacketizer.stats().access_units, 2u);
}

TEST(H264Depacketizer, TimestampChangeEndsAnAccessUnitWithoutMarker) {
  Feeder f;
  f.send(stap_a({&kSps, &kPps, &kIdr}), 0xFFFFF000u, false);  // marker lost
  f.send(kSlice, 0x00000BB8u, true);                          // across the 32-bit wrap
  ASSERT_EQ(f.out.size(), 2u);
  EXPECT_TRUE(f.out[0].frame->keyframe);
  EXPECT_EQ(f.out[1].frame->dts, 0x1000 + 0xBB8);
}

TEST(H264Depacketizer, WaitsForAKeyframe) {
  Feeder f;
  f.send(kSlice, 1, true);
  EXPECT_TRUE(f.out.empty());
  EXPECT_EQ(f.depacketizer.stats().dropped_access_units, 1u);
}

TEST(H264Depacketizer, LossInsideAFragmentDropsUntilTheNextIdr) {
  Feeder f;
  f.send(stap_a({&kSps, &kPps, &kIdr}), 0, true);
  ASSERT_TRUE(f.depacketizer.take_keyframe_request());
  ASSERT_EQ(f.out.size(), 1u);
  Bytes big(100, 0x55);
  big[0] = 0x41;
  auto fragments = fu_a(big, 30);
  f.send(fragments[0], 3000, false);
  f.send(fragments[2], 3000, false, /*after_loss=*/true);  // fragment 1 lost
  f.send(fragments[3], 3000, true);
  f.send(kSlice, 6000, true);  // intact, but refers to the broken frame
  EXPECT_EQ(f.out.size(), 1u);
  EXPECT_TRUE(f.depacketizer.take_keyframe_request());
  EXPECT_FALSE(f.depacketizer.take_keyframe_request());
  f.send(stap_a({&kSps, &kPps, &kIdr}), 9000, true);
  ASSERT_EQ(f.out.size(), 2u);
  EXPECT_TRUE(f.out[1].frame->keyframe);
  EXPECT_EQ(f.out[1].frame->dts, 9000);
}

TEST(H264Depacketizer, FragmentWithoutStartIsDropped) {
  Feeder f;
  f.send(stap_a({&kSps, &kPps, &kIdr}), 0, true);
  auto fragments = fu_a(kIdr, 4);
  f.send(fragments[1], 3000, false);
  f.send(fragments[2], 3000, true);
  EXPECT_EQ(f.out.size(), 1u);
  EXPECT_EQ(f.depacketizer.stats().dropped_access_units, 1u);
}

TEST(H264Depacketizer, RefusesInterleavedModeAndBadStapA) {
  Feeder f;
  f.send(stap_a({&kSps, &kPps, &kIdr}), 0, true);
  f.send(Bytes{0x19, 0x00, 0x01, 0x41}, 3000, true);  // STAP-B
  const Bytes bad_stap = {0x78, 0x00, 0x09, 0x41};     // size past the end
  f.send(bad_stap, 6000, true);
  EXPECT_EQ(f.out.size(), 1u);
  EXPECT_EQ(f.depacketizer.stats().unsupported_packets, 1u);
}

TEST(H264Depacketizer, NewParameterSetsGiveANewConfig) {
  Feeder f;
  f.send(stap_a({&kSps, &kPps, &kIdr}), 0, true);
  f.send(stap_a({&kSps, &kPps, &kIdr}), 3000, true);  // repeated: no new config
  Bytes other_pps = {0x68, 0xce, 0x3c, 0x80};
  f.send(stap_a({&kSps, &other_pps, &kIdr}), 6000, true);
  ASSERT_EQ(f.out.size(), 3u);
  EXPECT_TRUE(f.out[0].config);
  EXPECT_FALSE(f.out[1].config);
  EXPECT_TRUE(f.out[2].config);
}

}  // namespace
}  // namespace stagecast::ingest::webrtc
