#include "ingest/rtmp/rtmp_chunk_reader.h"

#include <gtest/gtest.h>

#include <random>

#include "capture_fixture.h"
#include "ingest/rtmp/amf0.h"
#include "ingest/rtmp/rtmp_chunk_writer.h"

namespace stagecast::ingest::rtmp {
namespace {

std::vector<RtmpMessage> read_all(ByteSpan data, size_t slice, RtmpChunkReader& reader) {
  std::vector<RtmpMessage> out;
  for (size_t pos = 0; pos < data.size(); pos += slice) {
    auto r = reader.feed(data.subspan(pos, std::min(slice, data.size() - pos)), out);
    EXPECT_TRUE(r.ok()) << r.error().message;
  }
  return out;
}

std::string command_name(const RtmpMessage& m) {
  auto values = amf0_decode_all(m.payload);
  if (!values || values->empty() || (*values)[0].type != AmfType::String) return {};
  return (*values)[0].string;
}

TEST(ChunkReader, ReadsTheFfmpegPublishSession) {
  const Bytes stream = test::ffmpeg_chunk_stream();
  RtmpChunkReader reader;
  auto messages = read_all(stream, stream.size(), reader);
  std::vector<std::string> commands;
  int video = 0;
  int audio = 0;
  uint32_t last_video_ts = 0;
  for (const auto& m : messages) {
    if (m.type_id == msg_type::kCommandAmf0) commands.push_back(command_name(m));
    if (m.type_id == msg_type::kVideo) {
      EXPECT_GE(m.timestamp, last_video_ts);
      last_video_ts = m.timestamp;
      EXPECT_EQ(m.stream_id, 1u);
      ++video;
    }
    if (m.type_id == msg_type::kAudio) ++audio;
  }
  EXPECT_EQ(commands, (std::vector<std::string>{"connect", "releaseStream", "FCPublish", "createStream",
                                                "publish", "FCUnpublish", "deleteStream"}));
  EXPECT_EQ(video, 32);  // sequence header, 30 frames, end of sequence
  EXPECT_NEAR(audio, 48, 2);
  EXPECT_NEAR(last_video_ts, 967, 34);  // 29 frames at 30 fps after the first
  // ffmpeg raises its chunk size to 4096 after connect; the reader followed it.
  EXPECT_EQ(reader.chunk_size(), 4096u);
}

TEST(ChunkReader, AnySlicingGivesTheSameMessages) {
  const Bytes stream = test::ffmpeg_chunk_stream();
  RtmpChunkReader whole_reader;
  const auto whole = read_all(stream, stream.size(), whole_reader);
  std::mt19937 rng(7);
  for (size_t slice : {size_t{1}, size_t{3}, size_t{17}, size_t{1000}}) {
    RtmpChunkReader reader;
    const auto sliced = read_all(stream, slice, reader);
    ASSERT_EQ(sliced.size(), whole.size()) << slice;
    for (size_t i = 0; i < whole.size(); ++i) {
      EXPECT_EQ(sliced[i].payload, whole[i].payload);
      EXPECT_EQ(sliced[i].timestamp, whole[i].timestamp);
    }
  }
  // Random slice sizes.
  RtmpChunkReader reader;
  std::vector<RtmpMessage> out;
  size_t pos = 0;
  while (pos < stream.size()) {
    const size_t n = std::min<size_t>(1 + rng() % 700, stream.size() - pos);
    ASSERT_TRUE(reader.feed(ByteSpan(stream).subspan(pos, n), out).ok());
    pos += n;
  }
  EXPECT_EQ(out.size(), whole.size());
}

TEST(ChunkReader, RoundTripsWriterOutputWithExtendedTimestamps) {
  RtmpChunkWriter writer(128);
  Bytes wire;
  Bytes big(1000);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i);
  writer.write(wire, 4, msg_type::kVideo, 0x01234567, 1, big);  // extended, 8 chunks
  writer.write(wire, 4, msg_type::kVideo, 0x00ffffff, 1, big);  // exactly the marker value
  writer.write(wire, 300, msg_type::kAudio, 42, 1, Bytes{0xaf, 0x01});  // 2-byte basic header
  writer.write(wire, 65000, msg_type::kAudio, 43, 1, Bytes{0xaf, 0x01, 0x02});  // 3-byte form
  writer.write(wire, 5, msg_type::kDataAmf0, 44, 1, Bytes{});  // zero-length message
  RtmpChunkReader reader;
  auto messages = read_all(wire, 1, reader);
  ASSERT_EQ(messages.size(), 5u);
  EXPECT_EQ(messages[0].timestamp, 0x01234567u);
  EXPECT_EQ(messages[0].payload, big);
  EXPECT_EQ(messages[1].timestamp, 0x00ffffffu);
  EXPECT_EQ(messages[1].payload, big);
  EXPECT_EQ(messages[2].chunk_stream_id, 300u);
  EXPECT_EQ(messages[3].chunk_stream_id, 65000u);
  EXPECT_EQ(messages[3].payload.size(), 3u);
  EXPECT_TRUE(messages[4].payload.empty());
}

// Hand-built chunks exercising header compression (5.3.1.2): type 0, then type 1, 2 and 3
// messages on the same chunk stream, each adding its delta.
TEST(ChunkReader, CompressedHeadersAccumulateDeltas) {
  const Bytes wire = {
      0x04, 0x00, 0x00, 0x64, 0x00, 0x00, 0x01, 0x08, 0x01, 0x00, 0x00, 0x00, 0xaa,  // t0: ts 100
      0x44, 0x00, 0x00, 0x15, 0x00, 0x00, 0x02, 0x08, 0xbb, 0xcc,                    // t1: +21
      0x84, 0x00, 0x00, 0x16, 0xdd, 0xee,                                            // t2: +22
      0xc4, 0x11, 0x22,                                                              // t3: +22
  };
  RtmpChunkReader reader;
  auto m = read_all(wire, wire.size(), reader);
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0].timestamp, 100u);
  EXPECT_EQ(m[1].timestamp, 121u);
  EXPECT_EQ(m[2].timestamp, 143u);
  EXPECT_EQ(m[3].timestamp, 165u);
  EXPECT_EQ(m[3].payload, (Bytes{0x11, 0x22}));
  EXPECT_EQ(m[3].stream_id, 1u);
}

TEST(ChunkReader, TypeThreeAfterTypeZeroRepeatsTheTimestampAsDelta) {
  // 5.3.1.2.4: a type-3 chunk starting a new message after a type-0 header adds the type-0
  // timestamp again.
  const Bytes wire = {0x04, 0x00, 0x00, 0x28, 0x00, 0x00, 0x01, 0x08, 0x01, 0x00, 0x00, 0x00, 0xaa,
                      0xc4, 0xbb};
  RtmpChunkReader reader;
  auto m = read_all(wire, wire.size(), reader);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[1].timestamp, 80u);
}

TEST(ChunkReader, WrapsTimestampsAtTwoToThe32) {
  const Bytes wire = {
      0x04, 0xff, 0xff, 0xff, 0x00, 0x00, 0x01, 0x08, 0x01, 0x00, 0x00, 0x00,
      0xff, 0xff, 0xff, 0xf0, 0xaa,                            // extended ts 0xfffffff0
      0x84, 0x00, 0x00, 0x20, 0xbb,                            // +32 wraps to 0x10
  };
  RtmpChunkReader reader;
  auto m = read_all(wire, 2, reader);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].timestamp, 0xfffffff0u);
  EXPECT_EQ(m[1].timestamp, 0x10u);
}

TEST(ChunkReader, AbortDiscardsThePartialMessage) {
  RtmpChunkWriter writer(128);
  Bytes wire;
  Bytes big(300, 0x11);
  writer.write(wire, 6, msg_type::kVideo, 0, 1, big);
  wire.resize(1 + 11 + 128);  // only the first chunk of the message
  // Abort (type 2) for chunk stream 6 on the control stream.
  const Bytes abort = {0x02, 0, 0, 0, 0, 0, 4, 0x02, 0, 0, 0, 0, 0, 0, 0, 6};
  wire.insert(wire.end(), abort.begin(), abort.end());
  writer.write(wire, 6, msg_type::kVideo, 5, 1, Bytes{0x22});
  RtmpChunkReader reader;
  auto m = read_all(wire, wire.size(), reader);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].payload, Bytes{0x22});
}

TEST(ChunkReader, RefusesBrokenPeers) {
  std::vector<RtmpMessage> out;
  {
    RtmpChunkReader reader;  // type 1 header on a chunk stream never introduced by type 0
    EXPECT_FALSE(reader.feed(Bytes{0x44, 0, 0, 1, 0, 0, 1, 8, 0xaa}, out).ok());
  }
  {
    RtmpChunkReader reader(ChunkReaderLimits{1000, 64, 4096});  // message over the limit
    EXPECT_FALSE(reader.feed(Bytes{0x04, 0, 0, 0, 0, 0x10, 0, 9, 1, 0, 0, 0}, out).ok());
  }
  {
    RtmpChunkReader reader(ChunkReaderLimits{1000, 2, 4096});  // too many chunk streams
    const Bytes three = {0x04, 0, 0, 0, 0, 0, 0, 8, 1, 0, 0, 0, 0x05, 0, 0, 0, 0, 0, 0, 8, 1,
                         0,    0, 0, 0x06, 0, 0, 0, 0, 0, 0, 8, 1, 0, 0, 0};
    EXPECT_FALSE(reader.feed(three, out).ok());
  }
  {
    RtmpChunkReader reader;  // Set Chunk Size 0
    EXPECT_FALSE(reader.feed(Bytes{0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0}, out).ok());
  }
  {
    RtmpChunkReader reader;  // a new type-0 header in the middle of a message
    Bytes wire = {0x04, 0, 0, 0, 0, 1, 0, 9, 1, 0, 0, 0};
    wire.resize(wire.size() + 128, 0x33);
    const Bytes again = {0x04, 0, 0, 0, 0, 0, 1, 9, 1, 0, 0, 0, 0x44};
    wire.insert(wire.end(), again.begin(), again.end());
    EXPECT_FALSE(reader.feed(wire, out).ok());
  }
  {
    // Interleaved partial messages beyond the buffered-bytes bound.
    RtmpChunkReader reader(ChunkReaderLimits{100000, 64, 300});
    Bytes wire;
    for (uint8_t cs = 4; cs < 8; ++cs) {
      const Bytes h = {cs, 0, 0, 0, 0x01, 0x00, 0x00, 9, 1, 0, 0, 0};
      wire.insert(wire.end(), h.begin(), h.end());
      wire.resize(wire.size() + 128, 0x55);
    }
    EXPECT_FALSE(reader.feed(wire, out).ok());
  }
}

TEST(ChunkReader, TruncatedInputWaitsWithoutError) {
  const Bytes stream = test::ffmpeg_chunk_stream();
  for (size_t cut : {size_t{1}, size_t{5}, size_t{100}, size_t{2000}, stream.size() - 3}) {
    RtmpChunkReader reader;
    std::vector<RtmpMessage> out;
    EXPECT_TRUE(reader.feed(ByteSpan(stream).first(cut), out).ok()) << cut;
  }
}

}  // namespace
}  // namespace stagecast::ingest::rtmp
