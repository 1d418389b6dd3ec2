// The recording's model, journal and VOD playlists: pure functions, no disk but the journal's.

#include <gtest/gtest.h>

#include <filesystem>

#include "core/random.h"
#include "record/journal.h"
#include "record/vod_playlist.h"

namespace stagecast::record {
namespace {

SegmentEntry seg(int64_t msn, int64_t us, bool disc = false, int init = 0, bool lost = false) {
  return SegmentEntry{msn, us, disc, init, 1'700'000'000'000 + msn * 2000, 1000, lost};
}

TEST(VodPlaylist, ListsKeptSegmentsWithEndlist) {
  RenditionRecord r{"source", {seg(0, 2'000'000), seg(1, 2'002'000), seg(2, 1'500'000)}, {{0, 700}}, {}, false};
  EXPECT_EQ(render_vod_media_playlist(r),
            "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n"
            "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI=\"init.mp4\"\n"
            "#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.000Z\n"
            "#EXTINF:2.00000,\nseg0.m4s\n#EXTINF:2.00200,\nseg1.m4s\n#EXTINF:1.50000,\nseg2.m4s\n"
            "#EXT-X-ENDLIST\n");
}

TEST(VodPlaylist, GapsBecomeDiscontinuitiesAndMapsFollowCodecChanges) {
  RenditionRecord r{"source",
                    {seg(3, 2'000'000, false, 0, true), seg(4, 2'000'000), seg(5, 2'000'000, false, 0, true),
                     seg(6, 2'600'000), seg(7, 2'000'000, true, 1)},
                    {{0, 700}, {1, 710}}, {}, false};
  const std::string p = render_vod_media_playlist(r);
  EXPECT_NE(p.find("#EXT-X-TARGETDURATION:3\n"), std::string::npos);  // 2.6 s rounds to 3
  EXPECT_NE(p.find("#EXT-X-MEDIA-SEQUENCE:4\n"), std::string::npos);  // the first kept one
  EXPECT_EQ(p.find("seg3.m4s"), std::string::npos);
  EXPECT_EQ(p.find("seg5.m4s"), std::string::npos);
  EXPECT_NE(p.find("seg4.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME"), std::string::npos);
  EXPECT_NE(p.find("seg6.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init-1.mp4\"\n"), std::string::npos);
  EXPECT_TRUE(p.ends_with("seg7.m4s\n#EXT-X-ENDLIST\n"));
  RenditionRecord empty{"source", {seg(0, 2'000'000, false, 0, true)}, {}, {}, false};
  EXPECT_EQ(render_vod_media_playlist(empty), "");
}

TEST(VodPlaylist, MultivariantKeepsTheLadderLeadFirst) {
  RecordingModel m;
  hls::VariantInfo v360{"360p", 900'000, 800'000, 640, 360, 30, "avc1.64001e,mp4a.40.2", true};
  hls::VariantInfo src{"source", 3'000'000, 2'500'000, 1280, 720, 30, "avc1.64001f,mp4a.40.2", true};
  m.renditions.push_back(RenditionRecord{"360p", {seg(0, 2'000'000)}, {{0, 1}}, v360, false});
  m.renditions.push_back(RenditionRecord{"source", {seg(0, 2'000'000)}, {{0, 1}}, src, false});
  m.renditions.push_back(RenditionRecord{"240p", {seg(0, 2'000'000)}, {{0, 1}}, std::nullopt, true});
  const std::string p = render_vod_multivariant_playlist(m);
  const auto s = p.find("source/index.m3u8");
  const auto r = p.find("360p/index.m3u8");
  ASSERT_NE(s, std::string::npos);
  ASSERT_NE(r, std::string::npos);
  EXPECT_LT(s, r);
  EXPECT_EQ(p.find("240p"), std::string::npos);  // withdrawn during the stream
  EXPECT_NE(p.find("RESOLUTION=1280x720"), std::string::npos);
}

TEST(Journal, EveryEntryRoundTrips) {
  hls::VariantInfo v{"source", 3'000'000, 2'500'000, 1280, 720, 29.97, "avc1.64001f,mp4a.40.2", false};
  const std::vector<JournalEntry> entries{
      journal::Header{"rec1", "stream1", "recordings/stream1/rec1", 1234},
      journal::Init{"source", 0, 700},
      journal::Segment{"source", seg(0, 2'000'000), ""},
      journal::Segment{"source", seg(1, 2'000'000, true, 0, true), "spool_full"},
      journal::Segment{"source", seg(2, 2'000'000), ""},
      journal::Lost{"source", 2, "store_refused"},
      journal::Variant{"source", v},
      journal::Withdrawn{"240p"},
      journal::Mp4Start{0},
      journal::Mp4Upload{"upload-id_1"},
      journal::Mp4Part{1, 5'300'000, "\"3858f62230ac3c915f300c664312c11f\""},
      journal::Mp4Stopped{"gap"},
      journal::Done{RecordingOutcome::kPartial}};
  std::string text;
  for (const auto& e : entries) {
    const std::string line = encode_journal_entry(e);
    ASSERT_FALSE(line.empty());
    ASSERT_TRUE(parse_journal_line(std::string_view(line).substr(0, line.size() - 1)));
    text += line;
  }
  auto m = replay_journal(text + "S source 3 20");  // a torn last line is ignored
  ASSERT_TRUE(m);
  EXPECT_EQ(m->prefix, "recordings/stream1/rec1");
  const auto* src = m->find("source");
  ASSERT_TRUE(src);
  ASSERT_EQ(src->segments.size(), 3u);
  EXPECT_TRUE(src->segments[1].lost);
  EXPECT_TRUE(src->segments[2].lost);
  EXPECT_EQ(src->variant->codecs, v.codecs);
  EXPECT_NEAR(src->variant->frame_rate, 29.97, 0.001);
  EXPECT_FALSE(src->variant->independent_segments);
  EXPECT_TRUE(m->find("240p")->withdrawn);
  EXPECT_EQ(m->mp4.upload_id, "upload-id_1");
  ASSERT_EQ(m->mp4.parts.size(), 1u);
  EXPECT_EQ(m->mp4.part_bytes[0], 5'300'000u);
  EXPECT_TRUE(m->mp4.stopped);
  EXPECT_EQ(m->done, RecordingOutcome::kPartial);
  const auto gaps = m->gaps();
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].first_msn, 1);
  EXPECT_EQ(gaps[0].last_msn, 2);
  EXPECT_EQ(gaps[0].start_ms, 2000);
  EXPECT_EQ(gaps[0].duration_ms, 4000);
  EXPECT_EQ(gaps[0].reason, "spool_full");
}

TEST(Journal, RefusesWhatWouldBreakALine) {
  EXPECT_EQ(encode_journal_entry(journal::Init{"has space", 0, 1}), "");
  EXPECT_EQ(encode_journal_entry(journal::Mp4Part{1, 1, "a\nb"}), "");
  EXPECT_FALSE(replay_journal("I source 0 1\n"));  // no header first
  EXPECT_FALSE(parse_journal_line("S source x 1 0 0 0 0 0 -"));
  EXPECT_FALSE(parse_journal_line("Q what"));
}

TEST(Journal, AppendsDurablyAndLoadsAfterATornTail) {
  const auto dir = std::filesystem::temp_directory_path() / ("sc-journal-" + random_id().substr(0, 8));
  std::filesystem::create_directories(dir);
  {
    Journal j(dir / "journal");
    ASSERT_TRUE(j.append(journal::Header{"r", "s", "p/s/r", 1}));
    ASSERT_TRUE(j.append(journal::Segment{"source", seg(0, 2'000'000), ""}));
  }
  {
    std::FILE* f = std::fopen((dir / "journal").c_str(), "ab");
    std::fputs("S source 1 2000", f);  // the crash hit mid-line
    std::fclose(f);
  }
  uint64_t size = 0;
  auto m = Journal::load(dir / "journal", &size);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->find("source")->segments.size(), 1u);
  Journal again(dir / "journal", size);
  ASSERT_TRUE(again.append(journal::Segment{"source", seg(1, 2'000'000), ""}));
  m = Journal::load(dir / "journal", &size);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->find("source")->segments.size(), 2u);
  // Group commit: a line appended without a sync is in the file at once (a killed process loses
  // nothing), and sync() makes it durable.
  ASSERT_TRUE(again.append(journal::Segment{"source", seg(2, 2'000'000), ""}, false));
  m = Journal::load(dir / "journal", &size);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->find("source")->segments.size(), 3u);
  EXPECT_TRUE(again.sync());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace stagecast::record
