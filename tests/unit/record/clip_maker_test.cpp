// Clips: the VOD playlist read back, the segment window (key frames are segment starts), and a
// clip made on the local store from a recording's objects.

#include <gtest/gtest.h>

#include <filesystem>

#include "core/random.h"
#include "record/clip_maker.h"
#include "record/local_object_store.h"
#include "record/vod_playlist.h"

namespace stagecast::record {
namespace {

std::vector<SegmentEntry> five() {
  std::vector<SegmentEntry> out;
  for (int i = 0; i < 5; ++i)
    out.push_back(SegmentEntry{10 + i, 2'000'000, i == 3, i >= 3 ? 1 : 0,
                               1'700'000'000'000 + i * 2000, 100, false});
  return out;
}

TEST(ClipMaker, ReadsBackTheVodPlaylistItWrote) {
  RenditionRecord r{"source", five(), {{0, 10}, {1, 10}}, std::nullopt, false};
  auto parsed = parse_vod_media_playlist(render_vod_media_playlist(r));
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->size(), 5u);
  EXPECT_EQ((*parsed)[0].msn, 10);
  EXPECT_EQ((*parsed)[3].init_version, 1);
  EXPECT_TRUE((*parsed)[3].discontinuity);
  EXPECT_EQ((*parsed)[2].duration_us, 2'000'000);
  EXPECT_EQ((*parsed)[1].program_date_time_ms, 1'700'000'002'000);
  EXPECT_FALSE(parse_vod_media_playlist("not a playlist"));
  EXPECT_FALSE(parse_vod_media_playlist("#EXTM3U\n#EXTINF:x,\nseg1.m4s\n"));
  EXPECT_FALSE(parse_vod_media_playlist("#EXTM3U\n#EXTINF:2,\n../../etc/passwd\n"));
}

TEST(ClipMaker, TheWindowStartsOnTheKeyFrameBeforeAndEndsAfter) {
  auto w = clip_segments(five(), 3'000, 2'500);  // 3.0 s .. 5.5 s
  ASSERT_TRUE(w);
  EXPECT_EQ(w->second, 2'000);  // the segment starting at 2 s holds the key frame before 3 s
  ASSERT_EQ(w->first.size(), 2u);
  EXPECT_EQ(w->first[0].msn, 11);
  EXPECT_EQ(w->first[1].msn, 12);
  EXPECT_EQ(clip_segments(five(), 9'000, 3'000).error().code, kClipOutOfRange);
  EXPECT_EQ(clip_segments(five(), -1, 1'000).error().code, kClipOutOfRange);
  EXPECT_EQ(clip_segments(five(), 0, 0).error().code, kClipOutOfRange);
  EXPECT_TRUE(clip_segments(five(), 0, 10'000));
}

TEST(ClipMaker, MakesAClipOfItsOwnOnTheLocalStore) {
  const auto dir = std::filesystem::temp_directory_path() / ("sc-clip-" + random_id().substr(0, 8));
  auto store = LocalObjectStore::open(dir).value();
  const std::string src = "recordings/s/r";
  RenditionRecord r{"source", {}, {{0, 3}}, std::nullopt, false};
  for (int i = 0; i < 4; ++i) {
    r.segments.push_back(SegmentEntry{i, 2'000'000, false, 0, 1'700'000'000'000 + i * 2000, 2, false});
    ASSERT_TRUE(store->put(segment_key(src, "source", i), Bytes{uint8_t(i), uint8_t(i)}, "video/mp4"));
  }
  ASSERT_TRUE(store->put(init_key(src, "source", 0), Bytes{9, 9, 9}, "video/mp4"));
  const std::string text = render_vod_media_playlist(r);
  ASSERT_TRUE(store->put(media_playlist_key(src, "source"), as_bytes(text), ""));
  auto clip = make_clip(*store, ClipRequest{src, "source", 2'500, 3'000, "recordings/s/clips/c"});
  ASSERT_TRUE(clip) << clip.error().message;
  EXPECT_EQ(clip->start_ms, 2'000);
  EXPECT_EQ(clip->duration_ms, 4'000);
  EXPECT_EQ(store->get(clip->mp4_key, std::nullopt)->data, (Bytes{9, 9, 9, 1, 1, 2, 2}));
  const std::string media = std::string(as_string_view(
      store->get("recordings/s/clips/c/source/index.m3u8", std::nullopt)->data));
  EXPECT_NE(media.find("seg1.m4s\n#EXTINF:2.00000,\nseg2.m4s\n#EXT-X-ENDLIST"), std::string::npos);
  EXPECT_TRUE(store->list_multipart("")->empty());
  // The clip does not depend on the recording: deleting it leaves the clip whole.
  const auto source_objects = store->list(src + "/");
  ASSERT_TRUE(source_objects);
  for (const auto& o : *source_objects) ASSERT_TRUE(store->remove(o.key));
  EXPECT_EQ(store->get("recordings/s/clips/c/source/seg2.m4s", std::nullopt)->data, (Bytes{2, 2}));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace stagecast::record
