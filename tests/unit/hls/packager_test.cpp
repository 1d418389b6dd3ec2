// LlHlsPackager end to end: the fixture's real frames go in, and what comes out is read back by
// the real ffprobe/ffmpeg, checked part by part, and exercised with blocking requests.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "fixture_media.h"
#include "hls/hls_names.h"
#include "hls/ll_hls_packager.h"

namespace stagecast::hls {
namespace {

using namespace std::chrono_literals;
using test::FixtureMedia;

std::string playlist_text(const RenditionStore& store, const std::string& rendition = "source") {
  return test::to_string(store.media_playlist("live", rendition));
}

int count_of(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

struct ProbeCounts {
  int video = -1;
  int audio = -1;
  double duration = 0;
};

ProbeCounts probe(const std::filesystem::path& playlist) {
  auto r = test::run_command(
      "ffprobe -v error -count_frames -show_entries stream=codec_type,nb_read_frames "
      "-show_entries format=duration -of compact=p=0 " +
      playlist.string());
  ProbeCounts c;
  std::smatch m;
  static const std::regex video(R"(codec_type=video\|nb_read_frames=(\d+))");
  static const std::regex audio(R"(codec_type=audio\|nb_read_frames=(\d+))");
  static const std::regex duration(R"(duration=([0-9.]+))");
  if (std::regex_search(r.output, m, video)) c.video = std::stoi(m[1]);
  if (std::regex_search(r.output, m, audio)) c.audio = std::stoi(m[1]);
  if (std::regex_search(r.output, m, duration)) c.duration = std::stod(m[1]);
  return c;
}

// Audio frames the packager keeps: those from the first video key frame on.
size_t expected_audio(const FixtureMedia& media) {
  int64_t first_key = -1;
  for (const auto& f : media.frames)
    if (f->kind == media::TrackKind::Video && f->keyframe) {
      first_key = f->dts;
      break;
    }
  size_t n = 0;
  for (const auto& f : media.frames)
    if (f->kind == media::TrackKind::Audio && f->dts >= first_key) ++n;
  return n;
}

class PackagerTest : public ::testing::Test {
 protected:
  LlHlsConfig config(std::string rendition = "source") {
    return test::live_config(std::move(rendition));
  }
  // Feeds frames as a live source would: the wall clock follows the media clock.
  void feed(LlHlsPackager& packager, const FixtureMedia& media, int64_t offset = 0, size_t from = 0,
            size_t to = SIZE_MAX) {
    for (size_t i = from; i < std::min(to, media.frames.size()); ++i) {
      const auto& f = media.frames[i];
      const int64_t media_ms = (f->dts + offset) / 90;
      if (media_ms > fed_ms_) {
        clock_.advance(std::chrono::milliseconds(media_ms - fed_ms_));
        fed_ms_ = media_ms;
      }
      packager.on_frame(offset == 0 ? f : test::shifted(f, offset));
    }
  }

  ManualClock clock_;
  int64_t fed_ms_ = 0;
  RenditionStore store_{clock_};
  const FixtureMedia& media_ = test::shared_fixture();
};

TEST_F(PackagerTest, PackagesTheFixtureIntoLowLatencyHls) {
  LlHlsPackager packager(config(), store_, clock_);
  packager.on_config(media_.config);
  feed(packager, media_);
  packager.on_end();

  const std::string text = playlist_text(store_);
  EXPECT_TRUE(text.starts_with("#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n")) << text;
  // 250 ms parts at 30 fps: 8 frames and room for jitter, three held back (4.4.3.8); delta
  // updates offered by default with the least Skip Boundary, six target durations.
  EXPECT_NE(text.find("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=12.000,"
                      "PART-HOLD-BACK=0.813"),
            std::string::npos);
  EXPECT_NE(text.find("#EXT-X-PART-INF:PART-TARGET=0.271\n"), std::string::npos);
  EXPECT_NE(text.find("#EXT-X-MEDIA-SEQUENCE:0\n"), std::string::npos);
  EXPECT_NE(text.find("#EXT-X-MAP:URI=\"init.mp4\"\n"), std::string::npos);
  EXPECT_EQ(count_of(text, "#EXT-X-PROGRAM-DATE-TIME:"), 3) << text;
  EXPECT_EQ(count_of(text, "#EXTINF:"), 3) << text;  // 6 s in segments of 2 s (GOP of 60)
  EXPECT_GE(count_of(text, "INDEPENDENT=YES"), 3);
  EXPECT_TRUE(text.ends_with("#EXT-X-ENDLIST\n"));

  test::TempDir dir;
  ASSERT_GT(test::write_rendition(store_, "live", "source", dir.path()), 3u);
  const auto counts = probe(dir.path() / "index.m3u8");
  EXPECT_EQ(counts.video, static_cast<int>(media_.video_frames));
  EXPECT_EQ(counts.audio, static_cast<int>(expected_audio(media_)));
  EXPECT_NEAR(counts.duration, 6.0, 0.1);

  auto decode = test::run_command("ffmpeg -v error -xerror -i " +
                                  (dir.path() / "index.m3u8").string() + " -f null -");
  EXPECT_EQ(decode.exit_code, 0) << decode.output;
  EXPECT_EQ(decode.output, "");

  const auto c = packager.counters();
  EXPECT_EQ(c.segments, 3u);
  EXPECT_EQ(c.frames_in, media_.frames.size());
}

TEST_F(PackagerTest, SegmentsStartOnKeyFramesAndPartsConcatenateToThem) {
  LlHlsPackager packager(config(), store_, clock_);
  packager.on_config(media_.config);
  feed(packager, media_);
  packager.on_end();
  const std::string text = playlist_text(store_);
  auto init = store_.init_segment("live", "source", 0);
  ASSERT_TRUE(init);

  test::TempDir dir;
  for (int64_t msn = 0; msn < 3; ++msn) {
    auto seg = store_.segment("live", "source", msn);
    ASSERT_TRUE(seg) << msn;
    Bytes joined;
    int parts = 0;
    for (;; ++parts) {
      auto part = store_.part("live", "source", PartRef{msn, parts});
      if (!part) break;
      joined.insert(joined.end(), part->begin(), part->end());
    }
    EXPECT_EQ(parts, 8) << "2 s segment in parts of 0.25 s (7 or 8 frames)";
    EXPECT_EQ(joined, *seg) << "segment " << msn;

    Bytes file = *init;
    file.insert(file.end(), seg->begin(), seg->end());
    const auto path = dir.path() / ("seg" + std::to_string(msn) + ".mp4");
    test::write_file(path, file);
    auto first = test::run_command(
        "ffprobe -v error -select_streams v -show_entries packet=flags -of csv=p=0 " +
        path.string() + " | head -n 1");
    EXPECT_NE(first.output.find('K'), std::string::npos)
        << "segment " << msn << ": " << first.output;
  }

  // Every EXT-X-PART duration is within PART-TARGET, and all but a segment's last are at least
  // 85% of it.
  static const std::regex part_re(
      R"re(#EXT-X-PART:DURATION=([0-9.]+),URI="part(\d+)\.(\d+)\.m4s")re");
  std::map<int64_t, std::vector<double>> durations;
  for (std::sregex_iterator it(text.begin(), text.end(), part_re), end; it != end; ++it)
    durations[std::stoll((*it)[2])].push_back(std::stod((*it)[1]));
  ASSERT_FALSE(durations.empty());
  for (const auto& [msn, list] : durations) {
    for (size_t i = 0; i < list.size(); ++i) {
      EXPECT_LE(list[i], 0.271 + 1e-9) << msn << "." << i;
      if (i + 1 < list.size()) {
        EXPECT_GE(list[i], 0.85 * 0.271) << msn << "." << i;
      }
    }
  }
}

TEST_F(PackagerTest, LivePlaylistHintsTheNextPartAndBlockingReloadWaitsForIt) {
  LlHlsPackager packager(config(), store_, clock_);
  packager.on_config(media_.config);
  feed(packager, media_, 0, 0, media_.frames.size() / 2);

  std::string text = playlist_text(store_);
  EXPECT_EQ(text.find("#EXT-X-ENDLIST"), std::string::npos);
  static const std::regex hint_re(
      R"re(#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part(\d+)\.(\d+)\.m4s")re");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(text, m, hint_re)) << text;
  const PartRef hint{std::stoll(m[1]), std::stoi(m[2])};
  auto edge = store_.edge("live", "source");
  ASSERT_TRUE(edge);
  EXPECT_EQ(edge->preload_hint, hint);
  EXPECT_FALSE(store_.part("live", "source", hint));

  std::optional<WaitResult> playlist_result, part_result, timed_out;
  store_.wait_for_playlist("live", "source", hint.msn, hint.part, std::nullopt,
                           [&](WaitResult r) { playlist_result = r; });
  store_.wait_for_part("live", "source", hint, std::nullopt,
                       [&](WaitResult r) { part_result = r; });
  // Six parts past the hint is within the Advance Part Limit but will not come in time.
  store_.wait_for_playlist("live", "source", hint.msn + 1, 4, clock_.steady_now() + 300ms,
                           [&](WaitResult r) { timed_out = r; });
  EXPECT_FALSE(playlist_result);
  EXPECT_FALSE(part_result);

  // Frame by frame until the hinted part appears: the waiters fire in that very call.
  size_t i = media_.frames.size() / 2;
  while (!store_.part("live", "source", hint) && i < media_.frames.size()) {
    EXPECT_FALSE(playlist_result);
    feed(packager, media_, 0, i, i + 1);
    ++i;
  }
  ASSERT_TRUE(store_.part("live", "source", hint));
  EXPECT_EQ(playlist_result, WaitResult::Ready);
  EXPECT_EQ(part_result, WaitResult::Ready);
  EXPECT_NE(playlist_text(store_).find(part_uri(hint.msn, hint.part)), std::string::npos);

  EXPECT_FALSE(timed_out);
  clock_.advance(300ms);
  store_.expire_waiters();
  EXPECT_EQ(timed_out, WaitResult::TimedOut);

  std::optional<WaitResult> too_far;
  store_.wait_for_playlist("live", "source", hint.msn + 3, std::nullopt, std::nullopt,
                           [&](WaitResult r) { too_far = r; });
  EXPECT_EQ(too_far, WaitResult::TooFarAhead);
}

TEST_F(PackagerTest, DiscontinuityIsWrittenAndTheTimelineStaysDecodable) {
  LlHlsPackager packager(config(), store_, clock_);
  packager.on_config(media_.config);
  feed(packager, media_);
  packager.on_discontinuity();
  // The publisher comes back: timestamps restart at zero, same codec configuration.
  packager.on_config(media_.config);
  fed_ms_ = 0;
  feed(packager, media_);
  packager.on_end();

  const std::string text = playlist_text(store_);
  EXPECT_EQ(count_of(text, "#EXT-X-DISCONTINUITY\n"), 1) << text;
  EXPECT_NE(text.find("#EXT-X-DISCONTINUITY-SEQUENCE:0\n"), std::string::npos);
  EXPECT_EQ(count_of(text, "#EXT-X-MAP:"), 1) << "same codec configuration, same header";
  const size_t disc = text.find("#EXT-X-DISCONTINUITY\n");
  EXPECT_NE(text.find("#EXT-X-PROGRAM-DATE-TIME:", disc), std::string::npos);

  test::TempDir dir;
  test::write_rendition(store_, "live", "source", dir.path());
  const auto counts = probe(dir.path() / "index.m3u8");
  EXPECT_EQ(counts.video, static_cast<int>(2 * media_.video_frames));
  EXPECT_NEAR(counts.duration, 12.0, 0.2);
  auto decode = test::run_command("ffmpeg -v error -xerror -i " +
                                  (dir.path() / "index.m3u8").string() + " -f null -");
  EXPECT_EQ(decode.exit_code, 0) << decode.output;
}

TEST_F(PackagerTest, CodecChangeWritesANewInitSegment) {
  LlHlsPackager packager(config(), store_, clock_);
  packager.on_config(media_.config);
  feed(packager, media_, 0, 0, media_.frames.size() / 2);
  auto changed = media_.config;
  changed.audio->channels = 1;  // a new AudioSpecificConfig in practice; any change counts
  packager.on_config(changed);
  feed(packager, media_, 0, media_.frames.size() / 2);
  packager.on_end();
  const std::string text = playlist_text(store_);
  EXPECT_NE(text.find("#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init-1.mp4\"\n"), std::string::npos)
      << text;
  EXPECT_TRUE(store_.init_segment("live", "source", 1));
}

TEST_F(PackagerTest, HeaderReplacedBeforeAnythingIsPackaged) {
  LlHlsPackager packager(config(), store_, clock_);
  auto video_only = media_.config;
  video_only.audio.reset();
  packager.on_config(video_only);  // the video sequence header came first
  packager.on_config(media_.config);
  feed(packager, media_);
  packager.on_end();
  const std::string text = playlist_text(store_);
  EXPECT_EQ(text.find("#EXT-X-DISCONTINUITY"), std::string::npos) << text;
  EXPECT_NE(text.find("#EXT-X-MAP:URI=\"init.mp4\""), std::string::npos);
  test::TempDir dir;
  test::write_rendition(store_, "live", "source", dir.path());
  const auto counts = probe(dir.path() / "index.m3u8");
  EXPECT_EQ(counts.video, static_cast<int>(media_.video_frames));
  EXPECT_EQ(counts.audio, static_cast<int>(expected_audio(media_)));
}

TEST_F(PackagerTest, MillisecondTimestampsAsFromRtmp) {
  const FixtureMedia rtmp = test::load_fixture(test::fixture_path(), /*round_to_ms=*/true);
  LlHlsPackager packager(config(), store_, clock_);
  packager.on_config(rtmp.config);
  feed(packager, rtmp);
  packager.on_end();
  test::TempDir dir;
  test::write_rendition(store_, "live", "source", dir.path());
  const auto counts = probe(dir.path() / "index.m3u8");
  EXPECT_EQ(counts.video, static_cast<int>(rtmp.video_frames));
  EXPECT_EQ(counts.audio, static_cast<int>(expected_audio(rtmp)));
  auto decode = test::run_command("ffmpeg -v error -xerror -i " +
                                  (dir.path() / "index.m3u8").string() + " -f null -");
  EXPECT_EQ(decode.exit_code, 0) << decode.output;
}

TEST_F(PackagerTest, LongGopRunsToTheNextKeyFrame) {
  // Only every second key frame of the fixture kept as a key frame: a 4 s GOP.
  std::vector<media::MediaFramePtr> frames;
  int keys = 0;
  for (const auto& f : media_.frames) {
    if (f->kind == media::TrackKind::Video && f->keyframe && keys++ % 2 == 1) {
      auto copy = std::make_shared<media::MediaFrame>(*f);
      copy->keyframe = false;
      frames.push_back(copy);
    } else {
      frames.push_back(f);
    }
  }
  LlHlsPackager packager(config(), store_, clock_);
  packager.on_config(media_.config);
  for (const auto& f : frames) packager.on_frame(f);
  packager.on_end();
  const std::string text = playlist_text(store_);
  EXPECT_NE(text.find("#EXT-X-TARGETDURATION:4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("#EXTINF:4.00000,\nseg0.m4s"), std::string::npos) << text;
  EXPECT_EQ(count_of(text, "#EXTINF:"), 2);
}

TEST_F(PackagerTest, AudioOnlyAndVideoOnlyRenditions) {
  for (const auto kind : {media::TrackKind::Audio, media::TrackKind::Video}) {
    ManualClock clock;
    RenditionStore store(clock);
    LlHlsPackager packager(config(), store, clock);
    auto only = media_.config;
    if (kind == media::TrackKind::Audio)
      only.video.reset();
    else
      only.audio.reset();
    packager.on_config(only);
    size_t fed = 0;
    for (const auto& f : media_.frames) {
      packager.on_frame(f);  // frames of the other track are dropped
      fed += f->kind == kind ? 1 : 0;
    }
    packager.on_end();
    test::TempDir dir;
    test::write_rendition(store, "live", "source", dir.path());
    const auto counts = probe(dir.path() / "index.m3u8");
    const std::string text = test::to_string(store.media_playlist("live", "source"));
    EXPECT_GE(count_of(text, "#EXTINF:"), 3) << text;
    if (kind == media::TrackKind::Audio) {
      // Eight parts of 11 AAC frames (0.235 s) per segment, none left over.
      EXPECT_NE(text.find("#EXTINF:1.87733,\nseg0.m4s"), std::string::npos) << text;
      EXPECT_NE(text.find("#EXT-X-PART-INF:PART-TARGET=0.250\n"), std::string::npos) << text;
      EXPECT_EQ(text.find("part0.8.m4s"), std::string::npos) << text;
      EXPECT_EQ(counts.audio, static_cast<int>(fed));
      EXPECT_EQ(counts.video, -1);
      EXPECT_NE(store.multivariant_playlist("live")->find("CODECS=\"mp4a.40.2\""),
                std::string::npos);
    } else {
      EXPECT_EQ(counts.video, static_cast<int>(fed));
      EXPECT_EQ(counts.audio, -1);
    }
  }
}

TEST_F(PackagerTest, MultivariantPlaylistDescribesTheRendition) {
  LlHlsPackager packager(config(), store_, clock_);
  packager.on_config(media_.config);
  feed(packager, media_);
  auto master = store_.multivariant_playlist("live");
  ASSERT_TRUE(master);
  EXPECT_NE(master->find("RESOLUTION=640x360"), std::string::npos) << *master;
  EXPECT_NE(master->find("CODECS=\"avc1.64001e,mp4a.40.2\""), std::string::npos) << *master;
  EXPECT_NE(master->find("FRAME-RATE=30.000"), std::string::npos) << *master;
  std::smatch m;
  static const std::regex bw(R"(BANDWIDTH=(\d+),AVERAGE-BANDWIDTH=(\d+))");
  ASSERT_TRUE(std::regex_search(*master, m, bw)) << *master;
  const double peak = std::stod(m[1]);
  const double average = std::stod(m[2]);
  EXPECT_GE(peak, average);
  EXPECT_GT(average, 300'000);  // ~500 kb/s video + 96 kb/s audio
  EXPECT_LT(peak, 2'000'000);
  EXPECT_NE(master->find("\nsource/index.m3u8\n"), std::string::npos);
}

TEST_F(PackagerTest, TwoRenditionsReportEachOther) {
  LlHlsPackager source(config("source"), store_, clock_);
  LlHlsPackager low(config("low"), store_, clock_);
  source.on_config(media_.config);
  low.on_config(media_.config);
  for (const auto& f : media_.frames) {
    source.on_frame(f);
    low.on_frame(f);
  }
  const std::string text = playlist_text(store_, "source");
  EXPECT_NE(text.find("#EXT-X-RENDITION-REPORT:URI=\"../low/index.m3u8\",LAST-MSN="),
            std::string::npos)
      << text;
  auto master = store_.multivariant_playlist("live");
  ASSERT_TRUE(master);
  EXPECT_EQ(count_of(*master, "#EXT-X-STREAM-INF:"), 2);
}

TEST_F(PackagerTest, MemoryStaysBoundedOverManySegments) {
  LlHlsPackager packager(config(), store_, clock_);
  packager.on_config(media_.config);
  const int64_t loop = 6 * 90000;  // the fixture is 6 s long
  uint64_t max_bytes = 0;
  size_t max_segments = 0;
  size_t max_parts = 0;
  for (int i = 0; i < 40; ++i) {  // 4 minutes, 120 segments
    feed(packager, media_, i * loop);
    const auto s = store_.stats();
    if (i >= 3) {
      max_bytes = std::max(max_bytes, s.bytes);
      max_segments = std::max(max_segments, s.segments);
      max_parts = std::max(max_parts, s.parts);
    }
  }
  const auto c = packager.counters();
  EXPECT_EQ(c.segments, 119u);
  // 6 listed + 4 retained segments; parts for the last six target durations.
  EXPECT_LE(max_segments, 10u);
  EXPECT_LE(max_parts, 8u * 7u);
  // ~600 kb/s: 10 segments of 2 s and their parts stay well under 3 MB.
  EXPECT_LT(max_bytes, 3'000'000u);
  const std::string text = playlist_text(store_);
  EXPECT_NE(text.find("#EXT-X-MEDIA-SEQUENCE:113\n"), std::string::npos) << text;
  EXPECT_EQ(count_of(text, "#EXTINF:"), 6);
  EXPECT_FALSE(store_.segment("live", "source", 100));
  EXPECT_TRUE(store_.segment("live", "source", 110));
}

}  // namespace
}  // namespace stagecast::hls
