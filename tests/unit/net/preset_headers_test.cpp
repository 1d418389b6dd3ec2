// PresetHeaders (net/http_message.h): fields shared by every response of a kind, and how the
// plain HTTP/1.1 head (append_response_head) and Response's lookups combine them with a
// response's own HeaderMap.
#include <gtest/gtest.h>

#include <string>

#include "net/http1_plain.h"
#include "net/http_message.h"

namespace stagecast::net {
namespace {

TEST(PresetHeaders, WireBytesLowercaseNamesAndUnsafeOrFramingFieldsDropped) {
  const PresetHeaders preset({{"Content-Type", "video/mp4"},
                              {"cache-control", "public, max-age=31536000, immutable"},
                              {"x-split", "a\r\nset-cookie: evil"},
                              {"content-length", "12"},
                              {"Connection", "close"},
                              {"transfer-encoding", "chunked"},
                              {"access-control-allow-origin", "*"}});
  EXPECT_EQ(preset.wire(),
            "content-type: video/mp4\r\ncache-control: public, max-age=31536000, "
            "immutable\r\naccess-control-allow-origin: *\r\n");
  ASSERT_EQ(preset.fields().size(), 3u);
  EXPECT_EQ(preset.find("content-type"), "video/mp4");
  EXPECT_EQ(preset.find("x-split"), "");
  EXPECT_EQ(preset.find("content-length"), "");
}

TEST(PresetHeaders, ResponseLookupsPreferItsOwnFields) {
  static const PresetHeaders preset({{"content-type", "video/mp4"}, {"cache-control", "x"}});
  Response r;
  r.preset = &preset;
  EXPECT_EQ(r.header_value("content-type"), "video/mp4");
  EXPECT_TRUE(r.has_header("cache-control"));
  EXPECT_FALSE(r.has_header("location"));
  r.headers["cache-control"] = "no-store";
  EXPECT_EQ(r.header_value("cache-control"), "no-store");
  EXPECT_EQ(r.header_value("location"), "");
}

TEST(PresetHeaders, Http1HeadHasEachFieldOnceAndFramingLast) {
  static const PresetHeaders preset(
      {{"content-type", "video/mp4"}, {"cache-control", "public, max-age=1"}});
  std::string head;
  append_response_head(head, 200, 11, "stagecast", {}, &preset, true, 5);
  EXPECT_EQ(head,
            "HTTP/1.1 200 OK\r\nServer: stagecast\r\ncontent-type: video/mp4\r\n"
            "cache-control: public, max-age=1\r\nContent-Length: 5\r\n\r\n");

  // A field of the response's own map wins over the preset's (sent once).
  HeaderMap own{{"cache-control", "no-store"}, {"content-length", "99"}};
  head.clear();
  append_response_head(head, 503, 11, "stagecast", own, &preset, false, 0);
  EXPECT_EQ(head,
            "HTTP/1.1 503 Service Unavailable\r\nServer: stagecast\r\ncache-control: no-store\r\n"
            "content-type: video/mp4\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");

  // HTTP/1.0 keep-alive says so (RFC 9112 9.3); no body length for a 304.
  head.clear();
  append_response_head(head, 304, 10, "stagecast", {}, &preset, true, std::nullopt);
  EXPECT_EQ(head,
            "HTTP/1.0 304 Not Modified\r\nServer: stagecast\r\ncontent-type: video/mp4\r\n"
            "cache-control: public, max-age=1\r\nConnection: keep-alive\r\n\r\n");
}

}  // namespace
}  // namespace stagecast::net
