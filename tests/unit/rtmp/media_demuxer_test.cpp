#include "ingest/rtmp/rtmp_media_demuxer.h"

#include <gtest/gtest.h>

#include "capture_fixture.h"
#include "ingest/rtmp/rtmp_chunk_reader.h"
#include "media/avc_decoder_config.h"

namespace stagecast::ingest::rtmp {
namespace {

TEST(MediaDemuxer, TurnsTheFfmpegSessionIntoFramesAndOneConfig) {
  const Bytes stream = test::ffmpeg_chunk_stream();
  RtmpChunkReader reader;
  std::vector<RtmpMessage> messages;
  ASSERT_TRUE(reader.feed(stream, messages).ok());

  RtmpMediaDemuxer demuxer;
  std::vector<media::StreamConfig> configs;
  std::vector<media::MediaFramePtr> video;
  std::vector<media::MediaFramePtr> audio;
  for (const auto& m : messages) {
    Result<DemuxedMedia> out = DemuxedMedia{};
    if (m.type_id == msg_type::kVideo) out = demuxer.on_video(m.timestamp, m.payload);
    if (m.type_id == msg_type::kAudio) out = demuxer.on_audio(m.timestamp, m.payload);
    if (m.type_id == msg_type::kDataAmf0) {
      auto values = amf0_decode_all(m.payload);
      ASSERT_TRUE(values.ok());
      demuxer.on_data(*values);
    }
    ASSERT_TRUE(out.ok()) << out.error().message;
    if (out->config) configs.push_back(*out->config);
    if (out->frame) (out->frame->kind == media::TrackKind::Video ? video : audio).push_back(out->frame);
  }
  // Both sequence headers arrive before the first frame: the sinks see one complete config.
  ASSERT_EQ(configs.size(), 1u);
  ASSERT_TRUE(configs[0].video && configs[0].audio);
  EXPECT_EQ(configs[0].video->width, 320);
  EXPECT_EQ(configs[0].video->height, 240);
  EXPECT_EQ(configs[0].video->codec_string(), "avc1.64000d");
  EXPECT_EQ(configs[0].video->frame_rate, 30);
  EXPECT_EQ(configs[0].audio->sample_rate, 48000);
  EXPECT_EQ(configs[0].audio->channels, 2);
  EXPECT_EQ(configs[0].audio->codec_string(), "mp4a.40.2");
  EXPECT_EQ(demuxer.metadata().width, 320);

  ASSERT_EQ(video.size(), 30u);
  EXPECT_TRUE(video[0]->keyframe);
  EXPECT_EQ(video[0]->dts, 0);
  int64_t last = -1;
  bool reordered = false;
  for (const auto& f : video) {
    EXPECT_GT(f->dts, last);
    EXPECT_GE(f->pts, f->dts);
    if (f->pts > f->dts) reordered = true;
    last = f->dts;
    EXPECT_TRUE(media::split_avcc(f->data).ok());
  }
  EXPECT_TRUE(reordered);
  // 30 frames at 30 fps: the last dts is 29/30 s (RTMP keeps whole milliseconds).
  EXPECT_NEAR(static_cast<double>(video.back()->dts) / media::kTimescale, 29.0 / 30, 0.002);
  ASSERT_GE(audio.size(), 45u);
  EXPECT_NEAR(static_cast<double>(audio.back()->dts) / media::kTimescale, 1.0, 0.05);
}

TEST(MediaDemuxer, DropsFramesBeforeTheirSequenceHeaderAndUnsupportedCodecs) {
  RtmpMediaDemuxer demuxer;
  EXPECT_EQ(demuxer.on_video(0, Bytes{0x17, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x65}).error().code,
            "missing_sequence_header");
  EXPECT_EQ(demuxer.on_audio(0, Bytes{0xaf, 0x01, 0x21}).error().code, "missing_sequence_header");
  EXPECT_EQ(demuxer.on_video(0, Bytes{0x12, 0x00}).error().code, "unsupported_codec");  // H.263
  EXPECT_EQ(demuxer.on_audio(0, Bytes{0x2f, 0x00}).error().code, "unsupported_codec");  // MP3
  EXPECT_EQ(demuxer.on_video(0, Bytes{0x90, 'h', 'v', 'c', '1'}).error().code, "unsupported_codec");
}

}  // namespace
}  // namespace stagecast::ingest::rtmp
