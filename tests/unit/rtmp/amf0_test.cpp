#include "ingest/rtmp/amf0.h"

#include <gtest/gtest.h>

#include "capture_fixture.h"
#include "ingest/rtmp/rtmp_chunk_reader.h"
#include "ingest/rtmp/rtmp_command.h"

namespace stagecast::ingest::rtmp {
namespace {

std::vector<RtmpMessage> ffmpeg_messages() {
  const Bytes stream = test::ffmpeg_chunk_stream();
  RtmpChunkReader reader;
  std::vector<RtmpMessage> out;
  EXPECT_TRUE(reader.feed(stream, out).ok());
  return out;
}

TEST(Amf0, DecodesFfmpegConnectAndPublish) {
  auto messages = ffmpeg_messages();
  ASSERT_FALSE(messages.empty());
  auto connect = parse_command(messages[0].payload, false);
  ASSERT_TRUE(connect.ok()) << connect.error().message;
  EXPECT_EQ(connect->name, "connect");
  EXPECT_EQ(connect->transaction_id, 1);
  EXPECT_EQ(connect->object.string_at("app"), "live");
  EXPECT_EQ(connect->object.string_at("type"), "nonprivate");
  EXPECT_NE(connect->object.string_at("flashVer")->find("FMLE/3.0"), std::string::npos);
  EXPECT_NE(connect->object.string_at("tcUrl")->find("rtmp://127.0.0.1:"), std::string::npos);

  bool saw_publish = false;
  bool saw_metadata = false;
  for (const auto& m : messages) {
    if (m.type_id == msg_type::kCommandAmf0) {
      auto cmd = parse_command(m.payload, false);
      ASSERT_TRUE(cmd.ok());
      if (cmd->name == "publish") {
        saw_publish = true;
        EXPECT_TRUE(cmd->object.is_null_or_undefined());
        EXPECT_EQ(cmd->string_arg(0), "capturekey");
        EXPECT_EQ(cmd->string_arg(1), "live");
        EXPECT_EQ(m.stream_id, 1u);
      }
    }
    if (m.type_id == msg_type::kDataAmf0) {
      auto values = amf0_decode_all(m.payload);
      ASSERT_TRUE(values.ok());
      ASSERT_EQ(values->size(), 3u);
      EXPECT_EQ((*values)[0].string, "@setDataFrame");
      EXPECT_EQ((*values)[1].string, "onMetaData");
      const AmfValue& meta = (*values)[2];
      EXPECT_EQ(meta.type, AmfType::EcmaArray);
      EXPECT_EQ(meta.number_at("width"), 320);
      EXPECT_EQ(meta.number_at("height"), 240);
      EXPECT_EQ(meta.number_at("framerate"), 30);
      EXPECT_EQ(meta.number_at("audiosamplerate"), 48000);
      EXPECT_EQ(meta.find("stereo")->type, AmfType::Boolean);
      EXPECT_TRUE(meta.find("stereo")->boolean);
      saw_metadata = true;
    }
  }
  EXPECT_TRUE(saw_publish);
  EXPECT_TRUE(saw_metadata);
}

TEST(Amf0, RoundTripsEveryType) {
  AmfValue strict;
  strict.type = AmfType::StrictArray;
  strict.elements = {AmfValue::make_number(1), AmfValue::make_string("two"), AmfValue::make_null()};
  AmfValue date;
  date.type = AmfType::Date;
  date.number = 1.7e12;
  date.date_timezone = -60;
  AmfValue typed = AmfValue::make_object({{"x", AmfValue::make_number(3)}});
  typed.string = "flash.geom.Point";
  const std::vector<AmfValue> values = {
      AmfValue::make_number(-0.5),
      AmfValue::make_boolean(true),
      AmfValue::make_string("héllo"),
      AmfValue::make_string(std::string(70000, 'x')),  // long string
      AmfValue::make_object({{"a", AmfValue::make_number(1)},
                             {"nested", AmfValue::make_object({{"b", AmfValue::make_boolean(false)}})}}),
      AmfValue::make_null(),
      AmfValue::make_undefined(),
      AmfValue::make_ecma_array({{"duration", AmfValue::make_number(0)}}),
      strict,
      date,
      typed,
  };
  const Bytes wire = amf0_encode_all(values);
  auto decoded = amf0_decode_all(wire);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_EQ(decoded->size(), values.size());
  const auto& d = *decoded;
  EXPECT_EQ(d[0].number, -0.5);
  EXPECT_TRUE(d[1].boolean);
  EXPECT_EQ(d[2].string, "héllo");
  EXPECT_EQ(d[3].string.size(), 70000u);
  EXPECT_EQ(wire[1 + 8 + 2 + 1 + 2 + 6], 0x0c);  // the long string used marker 0x0c
  EXPECT_EQ(d[4].find("nested")->find("b")->type, AmfType::Boolean);
  EXPECT_EQ(d[5].type, AmfType::Null);
  EXPECT_EQ(d[6].type, AmfType::Undefined);
  EXPECT_EQ(d[7].type, AmfType::EcmaArray);
  EXPECT_EQ(d[7].number_at("duration"), 0);
  ASSERT_EQ(d[8].elements.size(), 3u);
  EXPECT_EQ(d[8].elements[1].string, "two");
  EXPECT_EQ(d[9].type, AmfType::Date);
  EXPECT_EQ(d[9].number, 1.7e12);
  EXPECT_EQ(d[9].date_timezone, -60);
  EXPECT_EQ(d[10].string, "flash.geom.Point");
  EXPECT_EQ(d[10].number_at("x"), 3);
  // Encoding the decoded values again gives the same bytes.
  EXPECT_EQ(amf0_encode_all(d), wire);
}

TEST(Amf0, BoundsDepthAndCount) {
  Bytes deep;
  for (int i = 0; i < 100; ++i) {
    deep.push_back(0x0a);  // strict array of one element
    deep.insert(deep.end(), {0, 0, 0, 1});
  }
  deep.push_back(0x05);
  EXPECT_FALSE(amf0_decode_all(deep).ok());
  EXPECT_TRUE(amf0_decode_all(deep, AmfLimits{200, 4096}).ok());

  Bytes many(5000, 0x05);  // 5000 nulls
  EXPECT_FALSE(amf0_decode_all(many).ok());
  // A strict array announcing four billion elements in five bytes fails on input, not memory.
  EXPECT_FALSE(amf0_decode_all(Bytes{0x0a, 0xff, 0xff, 0xff, 0xff}).ok());
}

TEST(Amf0, RefusesTruncatedAndUnknownInput) {
  const Bytes wire = amf0_encode_all({AmfValue::make_string("connect"), AmfValue::make_number(1),
                                      AmfValue::make_object({{"app", AmfValue::make_string("live")}})});
  for (size_t n = 1; n < wire.size(); ++n) {
    auto r = amf0_decode_all(ByteSpan(wire).first(n));
    // A cut that falls between two whole values is valid input; a cut inside a value never is.
    if (n == 10 || n == 19) {
      EXPECT_TRUE(r.ok()) << n;
    } else {
      EXPECT_FALSE(r.ok()) << n;
    }
  }
  EXPECT_FALSE(amf0_decode_all(Bytes{0x07, 0x00, 0x01}).ok());  // reference
  EXPECT_FALSE(amf0_decode_all(Bytes{0x11, 0x01}).ok());        // AMF3 switch
  EXPECT_FALSE(amf0_decode_all(Bytes{0x09}).ok());              // stray object end
  EXPECT_FALSE(amf0_decode_all(Bytes{0x20}).ok());              // unknown marker
  EXPECT_FALSE(parse_command(Bytes{0x05}, false).ok());          // no command name
}

TEST(RtmpCommand, RepliesHaveTheShapeClientsLookFor) {
  auto result = amf0_decode_all(connect_result(1));
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->size(), 4u);
  EXPECT_EQ((*result)[0].string, "_result");
  EXPECT_EQ((*result)[1].number, 1);
  EXPECT_EQ((*result)[3].string_at("code"), "NetConnection.Connect.Success");
  auto status = amf0_decode_all(on_status("error", "NetStream.Publish.BadName", "x"));
  ASSERT_TRUE(status.ok());
  EXPECT_EQ((*status)[0].string, "onStatus");
  EXPECT_EQ((*status)[2].type, AmfType::Null);
  EXPECT_EQ((*status)[3].string_at("level"), "error");
  auto created = amf0_decode_all(create_stream_result(4, 1));
  ASSERT_TRUE(created.ok());
  EXPECT_EQ((*created)[3].number, 1);
}

}  // namespace
}  // namespace stagecast::ingest::rtmp
