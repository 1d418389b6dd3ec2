#include "ingest/webrtc/opus_payload.h"

#include <gtest/gtest.h>

namespace stagecast::ingest::webrtc {
namespace {

TEST(OpusPayload, TocDurations) {
  // Config 31 (CELT FB 20 ms), stereo, one frame; config 28 is CELT FB 2.5 ms.
  auto celt = parse_opus_packet(Bytes{0xfc, 0x01});
  ASSERT_TRUE(celt.ok());
  EXPECT_EQ(celt->duration_samples(), 960);
  EXPECT_TRUE(celt->stereo);
  EXPECT_EQ(parse_opus_packet(Bytes{0xe0})->duration_samples(), 120);
  // Config 1 (SILK NB 20 ms), code 1: two frames.
  auto silk = parse_opus_packet(Bytes{0x09, 0x00});
  ASSERT_TRUE(silk.ok());
  EXPECT_EQ(silk->duration_samples(), 1920);
  // Code 3 with 6 frames of 20 ms = 120 ms, the maximum; 7 is over.
  EXPECT_TRUE(parse_opus_packet(Bytes{0x0b, 0x06}).ok());
  EXPECT_FALSE(parse_opus_packet(Bytes{0x0b, 0x07}).ok());
  EXPECT_FALSE(parse_opus_packet(Bytes{0x0b}).ok());
  EXPECT_FALSE(parse_opus_packet(Bytes{}).ok());
}

TEST(OpusPayload, FrameOnTheServerClock) {
  EXPECT_EQ(opus_to_90khz(48000), 90000);
  EXPECT_EQ(opus_to_90khz(960), 1800);
  auto frame = make_opus_frame(Bytes{0xe4, 1, 2}, 1800);
  EXPECT_EQ(frame->codec, media::Codec::Opus);
  EXPECT_EQ(frame->kind, media::TrackKind::Audio);
  EXPECT_EQ(frame->dts, 1800);
  EXPECT_EQ(frame->data.size(), 3u);
}

}  // namespace
}  // namespace stagecast::ingest::webrtc
