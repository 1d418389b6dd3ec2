// Playlist Delta Updates (draft-pantos-hls-rfc8216bis 4.4.3.8 CAN-SKIP-UNTIL, 4.4.5.2 EXT-X-SKIP,
// 6.2.5.1): what a delta update leaves out, what it must keep, and the tags that must not change.
#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "hls/media_playlist.h"
#include "hls/playlist_uri_query.h"

namespace stagecast::hls {
namespace {

constexpr int64_t kFirst = 100;

// `count` complete 2 s segments from msn 100, then an open segment with one 0.5 s part.
MediaPlaylist window_of(int count, double segment = 2.0) {
  MediaPlaylist p;
  p.target_duration = 2;
  p.part_target = 0.5;
  p.media_sequence = kFirst;
  p.delta_updates = true;
  for (int i = 0; i <= count; ++i) {
    PlaylistSegment s;
    s.msn = kFirst + i;
    s.program_date_time_ms = 1'700'000'000'000 + static_cast<int64_t>(i * segment * 1000);
    if (i < count) {
      s.complete = true;
      const int parts = static_cast<int>(segment / 0.5);
      for (int k = 0; k < parts; ++k) s.parts.push_back({0.5, k == 0});
      s.duration = segment;
    } else {
      s.parts = {{0.5, true}};
      s.duration = 0.5;
    }
    p.segments.push_back(s);
  }
  p.preload_hint = PartRef{kFirst + count, 1};
  return p;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// The lines after the first one that matches.
template <typename Match>
std::vector<std::string> after(const std::vector<std::string>& all, Match match) {
  for (size_t i = 0; i < all.size(); ++i)
    if (match(all[i])) return {all.begin() + static_cast<std::ptrdiff_t>(i) + 1, all.end()};
  return {};
}

int count_of(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(PlaylistDelta, ServerControlAdvertisesSixTargetDurations) {
  const auto p = window_of(4);
  const std::string text = render_media_playlist(p);
  // 4.4.3.8: CAN-SKIP-UNTIL MUST be at least six target durations.
  EXPECT_NE(text.find("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=12.000,"
                      "PART-HOLD-BACK=1.500,HOLD-BACK=6.000\n"),
            std::string::npos)
      << text;
  EXPECT_GE(p.skip_boundary(), 6.0 * p.target_duration);
  // No EXT-X-DATERANGE is written, so skipping them is not offered.
  EXPECT_EQ(text.find("CAN-SKIP-DATERANGES"), std::string::npos);
  EXPECT_EQ(text.find("EXT-X-SKIP:"), std::string::npos);
  EXPECT_TRUE(text.starts_with("#EXTM3U\n#EXT-X-VERSION:6\n"));
}

TEST(PlaylistDelta, OffWhenDisabled) {
  auto p = window_of(20);
  p.delta_updates = false;
  EXPECT_EQ(render_media_playlist(p).find("CAN-SKIP-UNTIL"), std::string::npos);
  EXPECT_EQ(p.skippable_segments(), 0u);
  EXPECT_FALSE(render_delta_update(p).has_value());
}

TEST(PlaylistDelta, AWindowShorterThanTheSkipBoundaryHasNothingToSkip) {
  // 6 segments of 2 s and a part: 12.5 s, and the oldest segment ends 10.5 s before the edge.
  for (int count : {1, 4, 6}) {
    const auto p = window_of(count);
    EXPECT_EQ(p.skippable_segments(), 0u) << count;
    EXPECT_FALSE(render_delta_update(p).has_value()) << count;
  }
  // With 7 the oldest ends 12.5 s before the edge: past the 12 s boundary, skippable.
  EXPECT_EQ(window_of(7).skippable_segments(), 1u);
}

TEST(PlaylistDelta, SkipsExactlyTheSegmentsBeyondTheSkipBoundary) {
  const auto p = window_of(20);
  // Edge 40.5 s; a segment ending at t is skippable when 40.5 - t >= 12: t <= 28.5, the 14
  // segments ending at 2..28 s.
  ASSERT_EQ(p.skippable_segments(), 14u);
  const std::string full = render_media_playlist(p);
  const auto delta = render_delta_update(p);
  ASSERT_TRUE(delta.has_value());
  EXPECT_TRUE(delta->starts_with("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:2\n")) << *delta;
  // The tags of the playlist as a whole are the same, the media sequence that of the first
  // (skipped) segment.
  EXPECT_NE(delta->find("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=12.000,"),
            std::string::npos);
  EXPECT_NE(delta->find("#EXT-X-PART-INF:PART-TARGET=0.500\n"), std::string::npos);
  EXPECT_NE(delta->find("#EXT-X-MEDIA-SEQUENCE:100\n#EXT-X-SKIP:SKIPPED-SEGMENTS=14\n"
                        "#EXT-X-MAP:URI=\"init.mp4\"\n#EXT-X-PROGRAM-DATE-TIME:"),
            std::string::npos)
      << *delta;
  EXPECT_EQ(count_of(*delta, "#EXT-X-SKIP:"), 1);
  // Nothing of the skipped segments remains; everything from the first kept one is the full
  // playlist's, byte for byte (parts, preload hint).
  for (int64_t msn = kFirst; msn < kFirst + 14; ++msn) {
    EXPECT_EQ(delta->find("seg" + std::to_string(msn) + ".m4s"), std::string::npos) << msn;
    EXPECT_EQ(delta->find("part" + std::to_string(msn) + "."), std::string::npos) << msn;
  }
  const auto kept_full = after(lines(full), [](const std::string& l) { return l == "seg113.m4s"; });
  const auto kept_delta =
      after(lines(*delta), [](const std::string& l) { return l.starts_with("#EXT-X-MAP:"); });
  ASSERT_FALSE(kept_full.empty());
  EXPECT_EQ(kept_delta, kept_full);
  EXPECT_EQ(count_of(*delta, "#EXTINF:"), 20 - 14);
  // What is still listed reaches back at least CAN-SKIP-UNTIL seconds from the edge, and one
  // segment fewer would not.
  double listed = 0;
  for (size_t i = 14; i < p.segments.size(); ++i) listed += p.segments[i].duration;
  EXPECT_GE(listed, p.skip_boundary());
  EXPECT_LT(listed - p.segments[14].duration, p.skip_boundary());
  // 14 segments of at least EXT-X-PROGRAM-DATE-TIME, EXTINF and URI lines (over 60 bytes) fewer.
  EXPECT_LT(delta->size() + 14 * 60, full.size());
}

TEST(PlaylistDelta, BoundaryWithLongSegments) {
  // OBS's 8.33 s GOP: target duration 9, boundary 54 s. 10 segments + 0.5 s: the edge is
  // 83.8 s; a segment ending at t is skippable when t <= 29.8: the first three.
  auto p = window_of(10, 8.333);
  p.target_duration = 9;
  EXPECT_DOUBLE_EQ(p.skip_boundary(), 54.0);
  EXPECT_EQ(p.skippable_segments(), 3u);
  EXPECT_NE(render_media_playlist(p).find("CAN-SKIP-UNTIL=54.000,"), std::string::npos);
  EXPECT_NE(render_delta_update(p)->find("#EXT-X-SKIP:SKIPPED-SEGMENTS=3\n"), std::string::npos);
}

TEST(PlaylistDelta, DiscontinuitiesAndMapsAcrossTheSkip) {
  auto p = window_of(20);
  // A discontinuity (and a new CMAF header) in a skipped segment, another in a kept one.
  p.segments[5].discontinuity = true;
  for (size_t i = 5; i < p.segments.size(); ++i) p.segments[i].init_version = 1;
  p.segments[17].discontinuity = true;
  for (size_t i = 17; i < p.segments.size(); ++i) p.segments[i].init_version = 2;
  p.discontinuity_sequence = 4;
  const std::string full = render_media_playlist(p);
  const auto delta = render_delta_update(p);
  ASSERT_TRUE(delta.has_value());
  // EXT-X-DISCONTINUITY-SEQUENCE is that of the first segment of the playlist, as in the full
  // one: the player counts on from its last playlist.
  EXPECT_NE(full.find("#EXT-X-DISCONTINUITY-SEQUENCE:4\n"), std::string::npos);
  EXPECT_NE(delta->find("#EXT-X-MEDIA-SEQUENCE:100\n#EXT-X-DISCONTINUITY-SEQUENCE:4\n"
                        "#EXT-X-SKIP:SKIPPED-SEGMENTS=14\n"),
            std::string::npos)
      << *delta;
  EXPECT_EQ(count_of(*delta, "#EXT-X-DISCONTINUITY\n"), 1);
  EXPECT_EQ(count_of(full, "#EXT-X-DISCONTINUITY\n"), 2);
  // The first listed segment names the header that applies to it.
  EXPECT_NE(delta->find("#EXT-X-SKIP:SKIPPED-SEGMENTS=14\n#EXT-X-MAP:URI=\"init-1.mp4\"\n"),
            std::string::npos);
  EXPECT_NE(delta->find("#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init-2.mp4\"\n"),
            std::string::npos);
  // Every listed segment keeps its own date.
  EXPECT_EQ(count_of(*delta, "#EXT-X-PROGRAM-DATE-TIME:"), 7);
}

TEST(PlaylistDelta, EndedPlaylistsStillOfferIt) {
  auto p = window_of(20);
  p.segments.back().complete = true;
  p.ended = true;
  p.preload_hint.reset();
  const auto delta = render_delta_update(p);
  ASSERT_TRUE(delta.has_value());
  EXPECT_TRUE(delta->ends_with("#EXT-X-ENDLIST\n"));
}

TEST(PlaylistDelta, TheViewersQueryReachesEveryUriButNotTheSkip) {
  const auto delta = render_delta_update(window_of(20));
  ASSERT_TRUE(delta.has_value());
  const std::string text = add_query_to_playlist_uris(*delta, "token=a%2Bb&sid=s1");
  EXPECT_NE(text.find("#EXT-X-SKIP:SKIPPED-SEGMENTS=14\n"), std::string::npos);
  EXPECT_NE(text.find("#EXT-X-MAP:URI=\"init.mp4?token=a%2Bb&sid=s1\"\n"), std::string::npos);
  EXPECT_NE(text.find("\nseg119.m4s?token=a%2Bb&sid=s1\n"), std::string::npos);
  EXPECT_NE(text.find("URI=\"part120.1.m4s?token=a%2Bb&sid=s1\""), std::string::npos);
}

}  // namespace
}  // namespace stagecast::hls
