// Playlist text: rendering of the LL-HLS tags, URI names, and the token carried into URIs.
#include <gtest/gtest.h>

#include "hls/hls_names.h"
#include "hls/media_playlist.h"
#include "hls/multivariant_playlist.h"
#include "hls/playlist_uri_query.h"

namespace stagecast::hls {
namespace {

MediaPlaylist sample_playlist() {
  MediaPlaylist p;
  p.target_duration = 2;
  p.part_target = 0.5;
  p.media_sequence = 10;
  for (int64_t msn = 10; msn < 14; ++msn) {
    PlaylistSegment s;
    s.msn = msn;
    s.complete = true;
    s.program_date_time_ms = 1'700'000'000'000 + (msn - 10) * 2000;
    for (int i = 0; i < 4; ++i) s.parts.push_back({0.5, i == 0});
    s.duration = 2.0;
    p.segments.push_back(s);
  }
  PlaylistSegment open;
  open.msn = 14;
  open.program_date_time_ms = 1'700'000'008'000;
  open.parts = {{0.5, true}};
  open.duration = 0.5;
  p.segments.push_back(open);
  p.preload_hint = PartRef{14, 1};
  return p;
}

TEST(MediaPlaylist, PartHoldBackIsConfiguredInPartTargets) {
  auto p = sample_playlist();
  p.part_hold_back_parts = 2.5;  // hls.part_hold_back_percent = 250: below the SHOULD of 3
  EXPECT_NE(render_media_playlist(p).find("PART-HOLD-BACK=1.250,HOLD-BACK=6.000\n"),
            std::string::npos);
}

TEST(MediaPlaylist, RendersLowLatencyTags) {
  const std::string text = render_media_playlist(sample_playlist());
  EXPECT_TRUE(text.starts_with("#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n")) << text;
  EXPECT_NE(text.find("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500,"
                      "HOLD-BACK=6.000\n"),
            std::string::npos);
  EXPECT_NE(text.find("#EXT-X-PART-INF:PART-TARGET=0.500\n"), std::string::npos);
  EXPECT_NE(text.find("#EXT-X-MEDIA-SEQUENCE:10\n"), std::string::npos);
  EXPECT_EQ(text.find("#EXT-X-DISCONTINUITY"), std::string::npos);
  EXPECT_NE(text.find("#EXT-X-MAP:URI=\"init.mp4\"\n"), std::string::npos);
  EXPECT_NE(text.find("#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.000Z\n"), std::string::npos);
  EXPECT_NE(text.find("#EXTINF:2.00000,\nseg13.m4s\n"), std::string::npos);
  EXPECT_NE(text.find("#EXT-X-PART:DURATION=0.50000,URI=\"part14.0.m4s\",INDEPENDENT=YES\n"),
            std::string::npos);
  EXPECT_TRUE(text.ends_with("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part14.1.m4s\"\n")) << text;
  // Parts more than three target durations (6 s) from the live edge are no longer listed.
  EXPECT_EQ(text.find("part10.0.m4s"), std::string::npos);
  EXPECT_NE(text.find("part12.3.m4s"), std::string::npos);
}

TEST(MediaPlaylist, EndedPlaylistHasEndlistAndNoHint) {
  auto p = sample_playlist();
  p.segments.back().complete = true;
  p.ended = true;
  const std::string text = render_media_playlist(p);
  EXPECT_TRUE(text.ends_with("#EXT-X-ENDLIST\n"));
  EXPECT_EQ(text.find("PRELOAD-HINT"), std::string::npos);
}

TEST(MediaPlaylist, DiscontinuityAndNewInitAreSignalled) {
  auto p = sample_playlist();
  p.segments[2].discontinuity = true;
  p.segments[2].init_version = 1;
  p.segments[3].init_version = 1;
  p.segments[4].init_version = 1;
  p.discontinuity_sequence = 3;
  const std::string text = render_media_playlist(p);
  EXPECT_NE(text.find("#EXT-X-DISCONTINUITY-SEQUENCE:3\n"), std::string::npos);
  EXPECT_NE(text.find("#EXTINF:2.00000,\nseg11.m4s\n#EXT-X-DISCONTINUITY\n"
                      "#EXT-X-MAP:URI=\"init-1.mp4\"\n#EXT-X-PROGRAM-DATE-TIME:"),
            std::string::npos)
      << text;
}

TEST(MultivariantPlaylist, ListsEveryRenditionWithItsAttributes) {
  const std::vector<VariantInfo> variants = {
      {"source", 1'200'000, 900'000, 1280, 720, 30, "avc1.64001f,mp4a.40.2"},
      {"360p", 500'000, 0, 640, 360, 0, "avc1.42c01e,mp4a.40.2"}};
  const std::string text = render_multivariant_playlist(variants);
  EXPECT_EQ(
      text,
      "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-INDEPENDENT-SEGMENTS\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=1200000,AVERAGE-BANDWIDTH=900000,RESOLUTION=1280x720,"
      "CODECS=\"avc1.64001f,mp4a.40.2\",FRAME-RATE=30.000,CLOSED-CAPTIONS=NONE\nsource/index.m3u8\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=640x360,"
      "CODECS=\"avc1.42c01e,mp4a.40.2\",CLOSED-CAPTIONS=NONE\n360p/index.m3u8\n");
}

TEST(PlaylistUriQuery, AppendsTheQueryToEveryUri) {
  const std::string in =
      "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXT-X-PART:DURATION=0.5,URI=\"part1.0.m4s\","
      "INDEPENDENT=YES\n#EXTINF:2.0,\nseg1.m4s\n"
      "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part2.0.m4s\"\n"
      "#EXT-X-RENDITION-REPORT:URI=\"../360p/index.m3u8\",LAST-MSN=2,LAST-PART=0\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"avc1.64001f\"\nsource/index.m3u8?x=1\n";
  const std::string out = add_query_to_playlist_uris(in, "token=a%2Bb");
  EXPECT_EQ(out,
            "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4?token=a%2Bb\"\n"
            "#EXT-X-PART:DURATION=0.5,URI=\"part1.0.m4s?token=a%2Bb\",INDEPENDENT=YES\n"
            "#EXTINF:2.0,\nseg1.m4s?token=a%2Bb\n"
            "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part2.0.m4s?token=a%2Bb\"\n"
            "#EXT-X-RENDITION-REPORT:URI=\"../360p/index.m3u8?token=a%2Bb\",LAST-MSN=2,"
            "LAST-PART=0\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"avc1.64001f\"\n"
            "source/index.m3u8?x=1&token=a%2Bb\n");
  EXPECT_EQ(add_query_to_playlist_uris(in, ""), in);
}

TEST(PlaylistUriQuery, PercentEncodesReservedCharacters) {
  EXPECT_EQ(percent_encode_query_value("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(percent_encode_query_value("a+b/c=\"&\n"), "a%2Bb%2Fc%3D%22%26%0A");
}

TEST(HlsNames, ParsesOnlyTheExactShapes) {
  auto seg = parse_resource_name("seg42.m4s");
  ASSERT_TRUE(seg);
  EXPECT_EQ(seg->kind, ResourceName::Kind::Segment);
  EXPECT_EQ(seg->msn, 42);
  auto part = parse_resource_name("part42.3.m4s");
  ASSERT_TRUE(part);
  EXPECT_EQ(part->kind, ResourceName::Kind::Part);
  EXPECT_EQ(part->msn, 42);
  EXPECT_EQ(part->part, 3);
  EXPECT_EQ(parse_resource_name("init.mp4")->kind, ResourceName::Kind::Init);
  EXPECT_EQ(parse_resource_name("init-2.mp4")->init_version, 2);
  EXPECT_EQ(parse_resource_name("index.m3u8")->kind, ResourceName::Kind::MediaPlaylist);
  for (const char* bad : {"seg.m4s", "seg-1.m4s", "seg1.m4s.bak", "part1.m4s", "part1..m4s",
                          "part1.2.3.m4s", "seg99999999999999999999.m4s", "init-0.mp4",
                          "init-x.mp4", "../seg1.m4s", "", "seg+1.m4s", "seg 1.m4s"}) {
    EXPECT_FALSE(parse_resource_name(bad)) << bad;
  }
  EXPECT_EQ(segment_uri(7), "seg7.m4s");
  EXPECT_EQ(part_uri(7, 2), "part7.2.m4s");
  EXPECT_EQ(init_uri(0), "init.mp4");
  EXPECT_EQ(init_uri(3), "init-3.mp4");
}

TEST(HlsNames, DecimalIntegersAndRenditionNames) {
  EXPECT_EQ(parse_decimal_integer("0"), 0);
  EXPECT_EQ(parse_decimal_integer("123456789012345678"), 123456789012345678);
  EXPECT_FALSE(parse_decimal_integer("-1"));
  EXPECT_FALSE(parse_decimal_integer("1e3"));
  EXPECT_FALSE(parse_decimal_integer(" 1"));
  EXPECT_FALSE(parse_decimal_integer("1234567890123456789"));
  EXPECT_TRUE(valid_rendition_name("source"));
  EXPECT_TRUE(valid_rendition_name("720p_high-1"));
  EXPECT_FALSE(valid_rendition_name(".."));
  EXPECT_FALSE(valid_rendition_name("a/b"));
  EXPECT_FALSE(valid_rendition_name(""));
}

}  // namespace
}  // namespace stagecast::hls
