#include "transcode/annexb.h"

#include <gtest/gtest.h>

#include "media/avc_decoder_config.h"

namespace stagecast::transcode {
namespace {

// Short NAL units with real header bytes (High profile SPS, level 3.0): what is tested here is
// the byte layout; real encoder output goes through these in transcoder_test.
const Bytes kSps = {0x67, 0x64, 0x00, 0x1e, 0xac, 0xd9, 0x40, 0xa0};
const Bytes kPps = {0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0};
const Bytes kIdr = {0x65, 0x88, 0x84, 0x00, 0x33};
const Bytes kSei = {0x06, 0x05, 0x01, 0x00, 0x80};

Bytes annexb(std::initializer_list<std::pair<int, const Bytes*>> nals) {
  Bytes out;
  for (auto [zeros, nal] : nals) {
    out.insert(out.end(), static_cast<size_t>(zeros), 0);
    out.push_back(1);
    out.insert(out.end(), nal->begin(), nal->end());
  }
  return out;
}

TEST(AnnexB, SplitsOnThreeAndFourByteStartCodes) {
  Bytes data = annexb({{3, &kSps}, {2, &kPps}, {3, &kIdr}});
  auto nals = split_annexb(data);
  ASSERT_EQ(nals.size(), 3u);
  EXPECT_EQ(Bytes(nals[0].begin(), nals[0].end()), kSps);
  EXPECT_EQ(Bytes(nals[1].begin(), nals[1].end()), kPps);
  EXPECT_EQ(Bytes(nals[2].begin(), nals[2].end()), kIdr);
}

TEST(AnnexB, AccessUnitBecomesLengthPrefixedWithoutParameterSets) {
  Bytes data = annexb({{3, &kSps}, {2, &kPps}, {2, &kSei}, {2, &kIdr}});
  Bytes avcc = annexb_to_avcc(data);
  auto nals = media::split_avcc(avcc, 4);
  ASSERT_TRUE(nals);
  ASSERT_EQ(nals->size(), 2u);
  EXPECT_EQ(Bytes((*nals)[0].begin(), (*nals)[0].end()), kSei);
  EXPECT_EQ(Bytes((*nals)[1].begin(), (*nals)[1].end()), kIdr);
}

TEST(AnnexB, BuildsTheDecoderConfigurationRecord) {
  auto record = avcc_record_from_annexb(annexb({{3, &kSps}, {3, &kPps}}));
  ASSERT_TRUE(record) << record.error().message;
  EXPECT_EQ((*record)[0], 1);
  EXPECT_EQ((*record)[1], 0x64);  // profile_idc from the SPS
  EXPECT_EQ((*record)[3], 0x1e);  // level_idc
  EXPECT_FALSE(avcc_record_from_annexb(annexb({{3, &kPps}})));
}

TEST(AnnexB, GarbageNeverReadsOutOfBounds) {
  EXPECT_TRUE(split_annexb({}).empty());
  const Bytes only_codes = {0, 0, 1, 0, 0, 1, 0, 0, 0};
  EXPECT_TRUE(split_annexb(only_codes).empty());
  const Bytes no_code = {0x65, 1, 2, 3};
  EXPECT_TRUE(split_annexb(no_code).empty());
  const Bytes truncated = {0, 0};
  EXPECT_TRUE(annexb_to_avcc(truncated).empty());
}

}  // namespace
}  // namespace stagecast::transcode
