// FLV tag, AVC decoder configuration and AAC AudioSpecificConfig parsing over a real ffmpeg FLV
// recording (320x240 x264 High, 30 fps, AAC-LC 48 kHz stereo; tests/data/rtmp/capture.py).

#include <gtest/gtest.h>

#include <algorithm>

#include "flv_fixture.h"
#include "media/aac_config.h"
#include "media/avc_decoder_config.h"
#include "media/flv_tag.h"

namespace stagecast::media {
namespace {

const std::string kFlv = std::string(STAGECAST_TEST_DATA) + "/rtmp/ffmpeg_publish.flv";

class FfmpegFlv : public ::testing::Test {
 protected:
  void SetUp() override {
    tags_ = test::read_flv_tags(kFlv);
    ASSERT_GT(tags_.size(), 50u);
  }
  std::vector<test::FlvFileTag> tags_;
};

TEST_F(FfmpegFlv, VideoSequenceHeaderDescribesTheStream) {
  const auto& first_video = *std::find_if(tags_.begin(), tags_.end(), [](auto& t) { return t.type == 9; });
  auto tag = parse_flv_video_tag(first_video.body);
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->codec_id, kFlvCodecAvc);
  EXPECT_TRUE(tag->keyframe());
  ASSERT_EQ(tag->avc_packet_type, AvcPacketType::SequenceHeader);
  auto config = parse_avc_decoder_config(tag->payload);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->profile_idc, 100);
  EXPECT_EQ(config->level_idc, 13);
  EXPECT_EQ(config->nal_length_size, 4);
  ASSERT_EQ(config->sps.size(), 1u);
  ASSERT_EQ(config->pps.size(), 1u);
  EXPECT_EQ(config->sps_info.width, 320);
  EXPECT_EQ(config->sps_info.height, 240);
  // Rebuilding the record from its parts gives back the same bytes, less the high-profile
  // extension (chroma format, bit depths) that ffmpeg appends.
  const Bytes rebuilt = build_avc_decoder_config(*config);
  ASSERT_LE(rebuilt.size(), tag->payload.size());
  EXPECT_EQ(rebuilt, Bytes(tag->payload.begin(), tag->payload.begin() + static_cast<long>(rebuilt.size())));
}

TEST_F(FfmpegFlv, VideoFramesSplitIntoNalUnitsWithCompositionTimes) {
  int frames = 0;
  int keyframes = 0;
  int positive_cts = 0;
  bool saw_idr = false;
  for (const auto& t : tags_) {
    if (t.type != 9) continue;
    auto tag = parse_flv_video_tag(t.body);
    ASSERT_TRUE(tag.ok());
    if (tag->avc_packet_type != AvcPacketType::Nalu) continue;
    ++frames;
    if (tag->keyframe()) ++keyframes;
    if (tag->composition_time_ms > 0) ++positive_cts;
    EXPECT_GE(tag->composition_time_ms, 0);
    auto nals = split_avcc(tag->payload);
    ASSERT_TRUE(nals.ok()) << nals.error().message;
    ASSERT_FALSE(nals->empty());
    for (auto nal : *nals) {
      if (h264_nal_type(nal) == static_cast<uint8_t>(H264NalType::IdrSlice)) {
        saw_idr = true;
        EXPECT_TRUE(tag->keyframe());
      }
    }
  }
  EXPECT_EQ(frames, 30);     // one second at 30 fps
  EXPECT_EQ(keyframes, 1);   // -g 30
  EXPECT_TRUE(saw_idr);
  EXPECT_GT(positive_cts, 0);  // B-frames: pts ahead of dts
}

TEST_F(FfmpegFlv, AudioSpecificConfigIsAacLc48kStereo) {
  const auto& first_audio = *std::find_if(tags_.begin(), tags_.end(), [](auto& t) { return t.type == 8; });
  auto tag = parse_flv_audio_tag(first_audio.body);
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->sound_format, kFlvSoundFormatAac);
  ASSERT_EQ(tag->aac_packet_type, AacPacketType::SequenceHeader);
  auto asc = parse_aac_config(tag->payload);
  ASSERT_TRUE(asc.ok()) << asc.error().message;
  EXPECT_EQ(asc->object_type, 2);
  EXPECT_EQ(asc->sampling_index, 3);
  EXPECT_EQ(asc->sample_rate, 48000);
  EXPECT_EQ(asc->channels, 2);
  int raw_frames = 0;
  for (const auto& t : tags_) {
    if (t.type != 8) continue;
    auto a = parse_flv_audio_tag(t.body);
    ASSERT_TRUE(a.ok());
    if (a->aac_packet_type == AacPacketType::Raw) ++raw_frames;
  }
  // 1 s of 48 kHz in 1024-sample frames, give or take encoder priming.
  EXPECT_NEAR(raw_frames, 47, 2);
}

TEST(FlvTag, CompositionTimeIsSigned24Bit) {
  const Bytes body = {0x27, 0x01, 0xff, 0xff, 0xfe, 0x00, 0x00, 0x00, 0x01, 0x41};
  auto tag = parse_flv_video_tag(body);
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->composition_time_ms, -2);
  EXPECT_FALSE(tag->keyframe());
}

TEST(FlvTag, TruncatedAndReservedHeadersAreRefused) {
  EXPECT_FALSE(parse_flv_video_tag(Bytes{}).ok());
  EXPECT_FALSE(parse_flv_video_tag(Bytes{0x17, 0x01, 0x00}).ok());
  EXPECT_FALSE(parse_flv_video_tag(Bytes{0x17, 0x03, 0x00, 0x00, 0x00}).ok());  // AVCPacketType 3
  EXPECT_FALSE(parse_flv_video_tag(Bytes{0x07}).ok());                           // frame type 0
  EXPECT_FALSE(parse_flv_audio_tag(Bytes{}).ok());
  EXPECT_FALSE(parse_flv_audio_tag(Bytes{0xaf}).ok());
  EXPECT_TRUE(parse_flv_audio_tag(Bytes{0x2f, 0x00}).ok());  // MP3: no AAC packet type
}

TEST(FlvTag, EnhancedRtmpHeaderIsRecognised) {
  // IsExHeader | frame type 1 | PacketTypeSequenceStart, FourCC "hvc1".
  auto tag = parse_flv_video_tag(Bytes{0x90, 'h', 'v', 'c', '1'});
  ASSERT_TRUE(tag.ok());
  EXPECT_TRUE(tag->enhanced);
}

TEST(AvcDecoderConfig, RefusesLengthsRunningPastTheRecord) {
  Bytes record = {0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x40, 0x67};
  EXPECT_FALSE(parse_avc_decoder_config(record).ok());
  EXPECT_FALSE(parse_avc_decoder_config(Bytes{0x02, 0x64, 0x00, 0x1f, 0xff, 0xe0, 0x00}).ok());
}

TEST(Avcc, SplitsAndRewritesTwoByteLengths) {
  const Bytes au = {0x00, 0x02, 0x09, 0xf0, 0x00, 0x03, 0x65, 0x88, 0x84};
  auto nals = split_avcc(au, 2);
  ASSERT_TRUE(nals.ok());
  ASSERT_EQ(nals->size(), 2u);
  EXPECT_EQ(h264_nal_type((*nals)[1]), 5);
  auto four = avcc_to_4byte_lengths(au, 2);
  ASSERT_TRUE(four.ok());
  EXPECT_EQ(*four, (Bytes{0, 0, 0, 2, 0x09, 0xf0, 0, 0, 0, 3, 0x65, 0x88, 0x84}));
  EXPECT_FALSE(split_avcc(Bytes{0x00, 0x00, 0x00, 0x09, 0x65}).ok());
  EXPECT_FALSE(split_avcc(Bytes{0x00, 0x00, 0x00, 0x00}).ok());
}

TEST(AacConfig, ExplicitRateAndHeAacSignalling) {
  // AOT 2, index 15 + 24-bit rate 44100, channel config 1.
  // 00010 1111 000000001010110001000100 0001 (+ padding)
  const Bytes explicit_rate = {0x17, 0x80, 0x56, 0x22, 0x08};
  auto a = parse_aac_config(explicit_rate);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->sampling_index, 15);
  EXPECT_EQ(a->sample_rate, 44100);
  EXPECT_EQ(a->channels, 1);
  // HE-AAC v1 explicit: AOT 5, 24 kHz core (index 6), stereo, extension 48 kHz (index 3), AOT 2.
  const Bytes he_aac = {0x2b, 0x11, 0x88, 0x00};
  auto he = parse_aac_config(he_aac);
  ASSERT_TRUE(he.ok()) << he.error().message;
  EXPECT_EQ(he->object_type, 5);
  EXPECT_EQ(he->sample_rate, 24000);
  EXPECT_EQ(he->extension_sample_rate, 48000);
  EXPECT_EQ(he->channels, 2);
  EXPECT_FALSE(parse_aac_config(Bytes{0x12}).ok());
  EXPECT_FALSE(parse_aac_config(Bytes{0x16, 0x90}).ok());  // reserved sampling index 13
}

}  // namespace
}  // namespace stagecast::media
