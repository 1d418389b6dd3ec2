// Http2Session (the sans-IO HTTP/2 server): driven by nghttp2's own client session, or by raw
// frames where a well-behaved client cannot send what the test needs (RFC 9113).

#include "net/http2_session.h"

#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>

#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "h2_test_client.h"

namespace stagecast::net {
namespace {

// Moves bytes both ways until neither side has anything to say.
void pump(H2Client& client, Http2Session& server) {
  for (int i = 0; i < 1000; ++i) {
    const std::string up = client.drain();
    if (!up.empty()) server.receive(bytes_of(up));
    const std::string down = concat(server.take_output());
    if (!down.empty()) client.feed(down);
    if (up.empty() && down.empty()) return;
  }
  FAIL() << "no quiescence";
}

std::shared_ptr<const std::vector<uint8_t>> payload(size_t size, uint8_t seed) {
  auto v = std::make_shared<std::vector<uint8_t>>(size);
  for (size_t i = 0; i < size; ++i) (*v)[i] = static_cast<uint8_t>(seed + i * 7);
  return v;
}

std::string as_string(const std::vector<uint8_t>& v) {
  return {v.begin(), v.end()};
}

TEST(Http2Session, AdvertisesItsLimitsAndMapsARequest) {
  Http2Options o;
  o.max_concurrent_streams = 100;
  Http2Session server(o, "127.0.0.1:5000");
  H2Client client;
  const int32_t id = client.request("GET", "/hls/abc/media%20x.m3u8?_HLS_msn=3&_HLS_part=1",
                                    {{"user-agent", "test"}, {"cookie", "a=1"}, {"cookie", "b=2"}});
  pump(client, server);
  EXPECT_EQ(client.server_settings[NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS], 100u);
  EXPECT_EQ(client.server_settings[NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE], 16u * 1024);
  auto in = server.take_requests();
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].stream_id, id);
  const Request& r = in[0].request;
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/hls/abc/media%20x.m3u8?_HLS_msn=3&_HLS_part=1");
  EXPECT_EQ(r.path, "/hls/abc/media x.m3u8");
  EXPECT_EQ(r.query.at("_HLS_msn"), "3");
  EXPECT_EQ(r.header("host"), "example.test");
  EXPECT_EQ(r.header("user-agent"), "test");
  EXPECT_EQ(r.header("cookie"), "a=1; b=2");
  EXPECT_EQ(r.remote_address, "127.0.0.1:5000");
  EXPECT_EQ(server.awaiting(), 1u);
}

TEST(Http2Session, ServesSharedPiecesWithoutCopyingThem) {
  Http2Session server({}, "peer");
  // A large window so the whole body fits without WINDOW_UPDATE round trips.
  H2Client client({{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20}});
  const int32_t id = client.request("GET", "/hls/s/seg1.m4s");
  pump(client, server);
  ASSERT_EQ(server.take_requests().size(), 1u);
  auto a = payload(30000, 1);
  auto b = payload(7, 2);
  Response res;
  res.headers["Content-Type"] = "video/mp4";
  res.headers["connection"] = "keep-alive";  // HTTP/1.1 only: never sent over HTTP/2
  res.shared_pieces = {a, b};
  ASSERT_TRUE(server.respond(id, std::move(res), false));
  // The output refers to the payload's own bytes.
  std::string down;
  bool referenced_a = false;
  bool referenced_b = false;
  for (const auto& c : server.take_output()) {
    referenced_a |= c.owned.empty() && c.data >= a->data() && c.data < a->data() + a->size();
    referenced_b |= c.owned.empty() && c.data == b->data();
    const auto bytes = c.bytes();
    down.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  EXPECT_TRUE(referenced_a);
  EXPECT_TRUE(referenced_b);
  client.feed(down);
  pump(client, server);
  const auto& reply = client.replies[id];
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.headers.at("content-type"), "video/mp4");
  EXPECT_EQ(reply.headers.at("content-length"), "30007");
  EXPECT_FALSE(reply.headers.contains("connection"));
  EXPECT_EQ(reply.body, as_string(*a) + as_string(*b));
  EXPECT_TRUE(reply.closed);
  EXPECT_EQ(reply.error, 0u);
  EXPECT_EQ(server.awaiting(), 0u);
}

TEST(Http2Session, AnswersStreamsInAnyOrderAndHeadWithoutBody) {
  Http2Session server({}, "peer");
  H2Client client;
  const int32_t held = client.request("GET", "/hls/s/media.m3u8?_HLS_msn=9");
  const int32_t part = client.request("GET", "/hls/s/part8.3.m4s");
  const int32_t head = client.request("HEAD", "/hls/s/part8.3.m4s");
  pump(client, server);
  ASSERT_EQ(server.take_requests().size(), 3u);
  // Fields from a preset (as HLS parts have them) go out like the response's own.
  static const PresetHeaders preset(
      {{"content-type", "video/mp4"}, {"cache-control", "public, max-age=1"}});
  Response p;
  p.preset = &preset;
  p.headers["cache-control"] = "no-store";  // the response's own field wins
  p.shared_body = payload(1000, 3);
  ASSERT_TRUE(server.respond(part, p, false));
  ASSERT_TRUE(server.respond(head, p, true));
  pump(client, server);
  EXPECT_EQ(client.replies[part].body.size(), 1000u);
  EXPECT_EQ(client.replies[part].headers.at("content-type"), "video/mp4");
  EXPECT_EQ(client.replies[part].headers.at("cache-control"), "no-store");
  EXPECT_TRUE(client.replies[part].closed);
  EXPECT_EQ(client.replies[head].headers.at("content-length"), "1000");
  EXPECT_TRUE(client.replies[head].body.empty());
  EXPECT_FALSE(client.replies[held].closed);  // still held, the others went past it
  ASSERT_TRUE(server.respond(held, Response::text(200, "#EXTM3U\n"), false));
  pump(client, server);
  EXPECT_EQ(client.replies[held].body, "#EXTM3U\n");
}

// A streamed body (StreamedBody): the header goes at once, DATA as pieces are fed; nghttp2 waits
// (deferred) between pieces and resumes on feed; unsent() tells the feeder when to read on.
TEST(Http2Session, StreamedBodyIsSentAsItIsFed) {
  Http2Session server({}, "peer");
  H2Client client({{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20}});
  const int32_t id = client.request("GET", "/vod/r/recording.mp4");
  pump(client, server);
  ASSERT_EQ(server.take_requests().size(), 1u);
  auto a = payload(40000, 5);
  auto b = payload(25000, 6);
  auto body = std::make_shared<StreamedBody>();
  body->size = a->size() + b->size();
  Response res;
  res.headers["content-type"] = "video/mp4";
  res.streamed = body;
  ASSERT_TRUE(server.respond(id, std::move(res), false));
  pump(client, server);
  EXPECT_EQ(client.replies[id].status, 200);
  EXPECT_EQ(client.replies[id].headers.at("content-length"), "65000");
  EXPECT_TRUE(client.replies[id].body.empty());
  EXPECT_EQ(server.unsent(id), 0u);

  ASSERT_TRUE(server.feed(id, a));
  EXPECT_EQ(server.unsent(id), 40000u);
  pump(client, server);
  EXPECT_EQ(server.unsent(id), 0u);
  EXPECT_EQ(client.replies[id].body, as_string(*a));
  EXPECT_FALSE(client.replies[id].closed);
  // More than announced is refused; the last piece ends the stream.
  EXPECT_FALSE(server.feed(id, payload(25001, 7)));
  ASSERT_TRUE(server.feed(id, b));
  pump(client, server);
  EXPECT_EQ(client.replies[id].body, as_string(*a) + as_string(*b));
  EXPECT_TRUE(client.replies[id].closed);
  EXPECT_EQ(client.replies[id].error, 0u);
  EXPECT_FALSE(server.unsent(id).has_value());  // the stream is gone
  EXPECT_FALSE(server.feed(id, b));
}

// The client's flow-control window holds fed bytes back: unsent() stays up until it opens.
TEST(Http2Session, StreamedBodyWaitsForTheWindowAndCanBeCancelled) {
  Http2Session server({}, "peer");
  H2Client client;  // the default 65,535-byte window, which this client never widens
  const int32_t id = client.request("GET", "/vod/r/recording.mp4");
  pump(client, server);
  ASSERT_EQ(server.take_requests().size(), 1u);
  auto body = std::make_shared<StreamedBody>();
  body->size = 200000;
  Response res;
  res.streamed = body;
  ASSERT_TRUE(server.respond(id, std::move(res), false));
  ASSERT_TRUE(server.feed(id, payload(100000, 8)));
  pump(client, server);
  // The window (65,535) let part of the piece out; nghttp2's client reopens it as it consumes.
  const size_t got = client.replies[id].body.size();
  EXPECT_GT(got, 0u);
  EXPECT_EQ(*server.unsent(id), 100000u - got);
  // A read that fails: the stream is reset, never ended as if whole.
  server.cancel(id);
  pump(client, server);
  EXPECT_TRUE(client.replies[id].closed);
  EXPECT_EQ(client.replies[id].error, static_cast<uint32_t>(NGHTTP2_INTERNAL_ERROR));
  EXPECT_LT(client.replies[id].body.size(), 200000u);
}

TEST(Http2Session, RequestBodiesUpToTheLimitAnd413Beyond) {
  Http2Options o;
  o.body_limit = 1024;
  Http2Session server(o, "peer");
  H2Client client;
  const std::string small(1000, 'x');
  const std::string big(5000, 'y');
  const int32_t ok =
      client.request("POST", "/api/a", {{"content-type", "application/json"}}, &small);
  const int32_t declared = client.request("POST", "/api/b", {{"content-length", "5000"}}, &big);
  const int32_t streamed = client.request("POST", "/api/c", {}, &big);
  pump(client, server);
  auto in = server.take_requests();
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].stream_id, ok);
  EXPECT_EQ(in[0].request.body, small);
  EXPECT_EQ(client.replies[declared].status, 413);
  EXPECT_NE(client.replies[declared].body.find("payload_too_large"), std::string::npos);
  EXPECT_EQ(client.replies[streamed].status, 413);
  EXPECT_EQ(server.awaiting(), 1u);
}

TEST(Http2Session, HeaderListOverTheLimitGets431) {
  Http2Options o;
  o.header_list_limit = 2048;
  Http2Session server(o, "peer");
  H2Client client;
  const int32_t id = client.request("GET", "/api/x", {{"x-big", std::string(3000, 'a')}});
  pump(client, server);
  EXPECT_TRUE(server.take_requests().empty());
  EXPECT_EQ(client.replies[id].status, 431);
}

TEST(Http2Session, ResetStreamsStillCountUntilAnswered) {
  Http2Options o;
  o.max_concurrent_streams = 2;
  Http2Session server(o, "peer");
  H2Client client;
  pump(client, server);  // SETTINGS exchanged
  const int32_t a = client.request("GET", "/hls/s/media.m3u8?_HLS_msn=50");
  const int32_t b = client.request("GET", "/hls/s/media.m3u8?_HLS_msn=51");
  pump(client, server);
  ASSERT_EQ(server.take_requests().size(), 2u);
  client.reset(a);
  client.reset(b);
  pump(client, server);
  EXPECT_EQ(server.open_streams(), 0u);
  EXPECT_EQ(server.awaiting(), 2u);  // their handlers still run
  const int32_t c = client.request("GET", "/api/health");
  pump(client, server);
  EXPECT_TRUE(server.take_requests().empty());
  EXPECT_TRUE(client.replies[c].closed);
  EXPECT_EQ(client.replies[c].error, static_cast<uint32_t>(NGHTTP2_REFUSED_STREAM));
  // The late answers to reset streams are dropped; then new streams are served again.
  EXPECT_FALSE(server.respond(a, Response::text(200, "late"), false));
  const int32_t d = client.request("GET", "/api/health");
  pump(client, server);
  ASSERT_EQ(server.take_requests().size(), 1u);
  ASSERT_TRUE(server.respond(d, Response::text(200, "ok"), false));
  pump(client, server);
  EXPECT_EQ(client.replies[d].body, "ok");
}

TEST(Http2Session, RapidResetEndsTheConnectionWithEnhanceYourCalm) {
  Http2Options o;
  o.reset_burst = 50;
  o.reset_rate_per_second = 1;
  auto now = std::chrono::steady_clock::now();
  Http2Session server(o, "peer", [&] { return now; });
  H2Client client;
  pump(client, server);
  for (int i = 0; i < 60 && server.wants_read(); ++i) {
    const int32_t id = client.request("GET", "/hls/s/media.m3u8");
    pump(client, server);
    client.reset(id);
    pump(client, server);
  }
  EXPECT_EQ(server.failure(), "rapid_reset");
  EXPECT_EQ(client.goaway, NGHTTP2_ENHANCE_YOUR_CALM);
  EXPECT_TRUE(server.finished());
  EXPECT_LE(server.stats().peer_resets, 52u);
}

TEST(Http2Session, ResetsWithinTheRateAreFine) {
  Http2Options o;
  o.reset_burst = 5;
  o.reset_rate_per_second = 10;
  auto now = std::chrono::steady_clock::now();
  Http2Session server(o, "peer", [&] { return now; });
  H2Client client;
  for (int i = 0; i < 100; ++i) {
    now += std::chrono::milliseconds(200);  // 5 per second, under 10
    const int32_t id = client.request("GET", "/hls/s/part1.0.m4s");
    pump(client, server);
    client.reset(id);
    pump(client, server);
  }
  EXPECT_TRUE(server.failure().empty());
  EXPECT_TRUE(server.wants_read());
}

TEST(Http2Session, OutputStopsAtTheLimitForASlowReader) {
  Http2Options o;
  o.output_limit = 64 * 1024;
  Http2Session server(o, "peer");
  H2Client client({{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 0x7fffffffu}});
  const int32_t id = client.request("GET", "/hls/s/seg.m4s");
  pump(client, server);
  ASSERT_EQ(server.take_requests().size(), 1u);
  Response r;
  r.shared_body = payload(1 << 20, 9);
  ASSERT_TRUE(server.respond(id, r, false));
  size_t total = 0;
  for (int i = 0; i < 100; ++i) {
    const std::string down = concat(server.take_output());
    if (down.empty()) break;
    // At most the limit plus one DATA frame (16 KiB and its header).
    EXPECT_LE(down.size(), o.output_limit + 16384 + 9);
    total += down.size();
    client.feed(down);
    const std::string up = client.drain();  // connection-level WINDOW_UPDATEs
    if (!up.empty()) server.receive(bytes_of(up));
  }
  EXPECT_EQ(client.replies[id].body.size(), size_t{1} << 20);
  EXPECT_GT(total, size_t{1} << 20);
}

TEST(Http2Session, AHugeHpackTableSettingIsHarmless) {
  Http2Session server({}, "peer");
  H2Client client({{NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 0x7fffffff}});
  const int32_t id = client.request("GET", "/api/health");
  pump(client, server);
  ASSERT_EQ(server.take_requests().size(), 1u);
  ASSERT_TRUE(server.respond(id, Response::text(200, "ok"), false));
  pump(client, server);
  EXPECT_EQ(client.replies[id].body, "ok");
}

TEST(Http2Session, GarbageAfterThePrefaceGetsGoawayProtocolError) {
  Http2Session server({}, "peer");
  std::string in(kHttp2Preface);
  in += std::string("\x00\x00\x04\x08\x00\x00\x00\x00\x00\x01\x02\x03\x04",
                    13);  // WINDOW_UPDATE first
  in += "garbage garbage garbage";
  server.receive(bytes_of(in));
  const std::string out = concat(server.take_output());
  // The server's SETTINGS, then a GOAWAY (type 7) with PROTOCOL_ERROR (1).
  const size_t goaway = out.find(std::string("\x07\x00\x00\x00\x00\x00", 6));
  ASSERT_NE(goaway, std::string::npos);
  ASSERT_GE(out.size(), goaway + 6 + 8);
  EXPECT_EQ(static_cast<uint8_t>(out[goaway + 6 + 7]), 1);
  EXPECT_TRUE(server.finished());
}

TEST(Http2Session, ABadPrefaceEndsTheSession) {
  Http2Session server({}, "peer");
  EXPECT_FALSE(server.receive(bytes_of("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
  EXPECT_EQ(server.failure(), "bad_preface");
  EXPECT_FALSE(server.wants_read());
  EXPECT_TRUE(server.take_output().empty());
  EXPECT_TRUE(server.finished());
}

TEST(Http2Session, APingFloodIsCutOff) {
  Http2Session server({}, "peer");
  std::string in(kHttp2Preface);
  in += std::string("\x00\x00\x00\x04\x00\x00\x00\x00\x00", 9);  // SETTINGS, empty
  const std::string ping(
      "\x00\x00\x08\x06\x00\x00\x00\x00\x00"
      "12345678",
      17);
  bool ok = server.receive(bytes_of(in));
  // The reader never takes the PING ACKs: nghttp2 stops at its outbound queue limit.
  for (int i = 0; i < 5000 && ok; ++i) ok = server.receive(bytes_of(ping));
  EXPECT_FALSE(ok);
  EXPECT_EQ(server.failure(), "flood");
}

}  // namespace
}  // namespace stagecast::net
