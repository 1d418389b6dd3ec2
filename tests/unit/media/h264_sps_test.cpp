#include "media/h264_sps.h"

#include <gtest/gtest.h>

#include "flv_fixture.h"
#include "media/bit_reader.h"

namespace stagecast::media {
namespace {

const std::string kData = std::string(STAGECAST_TEST_DATA) + "/rtmp/";

TEST(H264Sps, HighProfile1080pIsCroppedFrom1088CodedLines) {
  auto sps = parse_h264_sps(test::read_file(kData + "sps_1920x1080_high.bin"));
  ASSERT_TRUE(sps.ok()) << sps.error().message;
  EXPECT_EQ(sps->profile_idc, 100);
  EXPECT_EQ(sps->level_idc, 40);
  EXPECT_EQ(sps->chroma_format_idc, 1u);
  EXPECT_TRUE(sps->frame_mbs_only);
  EXPECT_EQ(sps->width, 1920);
  EXPECT_EQ(sps->height, 1080);
}

TEST(H264Sps, FieldCodedStreamCountsMapUnitsTwice) {
  auto sps = parse_h264_sps(test::read_file(kData + "sps_1920x1080_interlaced.bin"));
  ASSERT_TRUE(sps.ok()) << sps.error().message;
  EXPECT_FALSE(sps->frame_mbs_only);
  EXPECT_EQ(sps->width, 1920);
  EXPECT_EQ(sps->height, 1080);
}

TEST(H264Sps, High444WithOddSizeUsesCropUnitOne) {
  auto sps = parse_h264_sps(test::read_file(kData + "sps_321x241_444.bin"));
  ASSERT_TRUE(sps.ok()) << sps.error().message;
  EXPECT_EQ(sps->profile_idc, 244);
  EXPECT_EQ(sps->chroma_format_idc, 3u);
  EXPECT_EQ(sps->width, 321);
  EXPECT_EQ(sps->height, 241);
}

TEST(H264Sps, ConstrainedBaseline) {
  auto sps = parse_h264_sps(test::read_file(kData + "sps_640x360_baseline.bin"));
  ASSERT_TRUE(sps.ok()) << sps.error().message;
  EXPECT_EQ(sps->profile_idc, 66);
  EXPECT_EQ(sps->constraint_flags & 0xc0, 0xc0);  // constraint_set0 and set1: constrained baseline
  EXPECT_EQ(sps->width, 640);
  EXPECT_EQ(sps->height, 360);
}

TEST(H264Sps, EveryTruncationIsRefusedWithoutOverRead) {
  const Bytes sps = test::read_file(kData + "sps_1920x1080_high.bin");
  ASSERT_TRUE(parse_h264_sps(sps).ok());
  // The last bytes only hold VUI, which the parser does not read; everything before the
  // cropping fields must fail cleanly when cut.
  for (size_t n = 0; n < 9; ++n) {
    EXPECT_FALSE(parse_h264_sps(ByteSpan(sps.data(), n)).ok()) << n;
  }
}

TEST(H264Sps, RefusesOtherNalTypes) {
  Bytes pps = {0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0};
  EXPECT_FALSE(parse_h264_sps(pps).ok());
}

TEST(H264Sps, UnescapeRemovesEmulationPreventionBytes) {
  const Bytes escaped = {0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x03, 0x00, 0x03};
  const Bytes expected = {0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03};
  EXPECT_EQ(h264_unescape_rbsp(escaped), expected);
}

TEST(BitReader, ExpGolombCodes) {
  // 1 | 010 | 011 | 00100 | 00101 -> ue 0, 1, 2, 3, 4
  const Bytes data = {0b10100110, 0b01000010, 0b10000000};
  BitReader br(data);
  EXPECT_EQ(br.ue(), 0u);
  EXPECT_EQ(br.ue(), 1u);
  EXPECT_EQ(br.ue(), 2u);
  EXPECT_EQ(br.ue(), 3u);
  EXPECT_EQ(br.ue(), 4u);
  const Bytes se_data = {0b01001100};  // ue 1 -> se +1, ue 2 -> se -1
  BitReader se_reader(se_data);
  EXPECT_EQ(se_reader.se(), 1);
  EXPECT_EQ(se_reader.se(), -1);
  const Bytes zero_data = {0, 0, 0, 0, 0};
  BitReader zeros(zero_data);
  EXPECT_FALSE(zeros.ue().has_value());
}

}  // namespace
}  // namespace stagecast::media
