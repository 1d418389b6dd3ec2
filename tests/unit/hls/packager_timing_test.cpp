// LlHlsPackager timing: how parts and segments are cut from the sources' real timestamps
// (millisecond-rounded as RTMP carries them, 25 and 30 fps, long GOPs, audio that arrives ahead
// of the video), and what stays fixed for the life of a stream (draft-pantos-hls-rfc8216bis
// 6.2.1: EXT-X-TARGETDURATION; one EXT-X-PROGRAM-DATE-TIME for the same segment in every
// rendition, 6.2.4). The frames carry the fixture's real payloads, re-timed.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <map>
#include <regex>
#include <set>

#include "fixture_media.h"
#include "hls/ll_hls_packager.h"

namespace stagecast::hls {
namespace {

using test::FixtureMedia;

struct Timing {
  int fps_num = 30;
  int fps_den = 1;
  int gop = 60;           // frames
  std::vector<int> gops;  // if set, these GOP lengths in turn instead of `gop`
  double seconds = 12;
  bool round_to_ms = true;     // FLV/RTMP timestamps
  int64_t video_start_ms = 0;  // video starts this much after audio (a real-time publisher)
  int64_t audio_lead_ms = 0;   // audio arrives this much before video of the same time
  int jitter_ms = 0;           // video timestamps off their grid by up to this (a live clock)
};

int64_t to_ticks(double s, bool round_ms) {
  return round_ms ? static_cast<int64_t>(std::floor(s * 1000 + 1e-6)) * 90
                  : static_cast<int64_t>(std::llround(s * 90000));
}

// Frames in arrival order: video at the given rate and GOP, AAC (1024 samples at 48 kHz) from 0.
std::vector<media::MediaFramePtr> synthesize(const FixtureMedia& fixture, const Timing& t) {
  std::vector<media::MediaFramePtr> video_payloads;
  media::MediaFramePtr audio_payload;
  for (const auto& f : fixture.frames) {
    if (f->kind == media::TrackKind::Video) video_payloads.push_back(f);
    if (f->kind == media::TrackKind::Audio && !audio_payload) audio_payload = f;
  }
  struct Arrival {
    double at;  // seconds
    media::MediaFramePtr frame;
  };
  std::vector<Arrival> all;
  const double frame_s = static_cast<double>(t.fps_den) / t.fps_num;
  size_t gop_index = 0;
  int in_gop = 0;
  for (int i = 0;; ++i) {
    const double ts = t.video_start_ms / 1000.0 + i * frame_s;
    if (ts >= t.seconds) break;
    const int gop = t.gops.empty() ? t.gop : t.gops[gop_index % t.gops.size()];
    const bool key = in_gop == 0;
    if (++in_gop == gop) {
      in_gop = 0;
      ++gop_index;
    }
    auto f = std::make_shared<media::MediaFrame>(*video_payloads[i % video_payloads.size()]);
    // A fixed pseudo-random sequence: the same jitter every run.
    const int jitter =
        t.jitter_ms == 0 ? 0
                         : static_cast<int>((i * 7919 + 13) % (2 * t.jitter_ms + 1)) - t.jitter_ms;
    f->dts = f->pts = to_ticks(ts + jitter / 1000.0, t.round_to_ms);
    f->keyframe = key;
    all.push_back({ts, f});
  }
  for (int i = 0;; ++i) {
    const double ts = i * 1024.0 / 48000;
    if (ts >= t.seconds) break;
    auto f = std::make_shared<media::MediaFrame>(*audio_payload);
    f->dts = f->pts = to_ticks(ts, t.round_to_ms);
    all.push_back({ts - t.audio_lead_ms / 1000.0, f});
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const Arrival& a, const Arrival& b) { return a.at < b.at; });
  std::vector<media::MediaFramePtr> out;
  for (auto& a : all) out.push_back(a.frame);
  return out;
}

struct Part {
  double duration;
  bool independent;
};
struct Listed {
  int target_duration = -1;
  double part_target = -1;
  std::map<int64_t, std::vector<Part>> parts;  // by msn
  std::map<int64_t, double> extinf;
  std::map<int64_t, std::string> dates;
};

Listed parse(const std::string& text) {
  Listed l;
  std::smatch m;
  static const std::regex td(R"(#EXT-X-TARGETDURATION:(\d+))");
  static const std::regex pt(R"(#EXT-X-PART-INF:PART-TARGET=([0-9.]+))");
  if (std::regex_search(text, m, td)) l.target_duration = std::stoi(m[1]);
  if (std::regex_search(text, m, pt)) l.part_target = std::stod(m[1]);
  static const std::regex part(
      R"re(#EXT-X-PART:DURATION=([0-9.]+),URI="part(\d+)\.(\d+)\.m4s"(,INDEPENDENT=YES)?)re");
  for (std::sregex_iterator it(text.begin(), text.end(), part), end; it != end; ++it)
    l.parts[std::stoll((*it)[2])].push_back({std::stod((*it)[1]), (*it)[4].matched});
  static const std::regex seg(
      R"re(#EXT-X-PROGRAM-DATE-TIME:(\S+)\n(?:#EXT-X-PART:[^\n]*\n)*#EXTINF:([0-9.]+),\nseg(\d+)\.m4s)re");
  for (std::sregex_iterator it(text.begin(), text.end(), seg), end; it != end; ++it) {
    l.extinf[std::stoll((*it)[3])] = std::stod((*it)[2]);
    l.dates[std::stoll((*it)[3])] = (*it)[1];
  }
  return l;
}

class PackagerTimingTest : public ::testing::Test {
 protected:
  LlHlsConfig config(std::string rendition = "source") {
    return test::live_config(std::move(rendition));
  }
  // The wall clock follows the media clock, as with a live source.
  void clock_to(const media::MediaFramePtr& f) {
    const int64_t ms = f->dts / 90;
    if (ms > fed_ms_) {
      clock_.advance(std::chrono::milliseconds(ms - fed_ms_));
      fed_ms_ = ms;
    }
  }
  // Feeds frames as a live source would, and reads the playlist after every frame.
  void run(LlHlsPackager& packager, const std::vector<media::MediaFramePtr>& frames,
           const std::function<void(const std::string&)>& each = {}) {
    for (const auto& f : frames) {
      clock_to(f);
      packager.on_frame(f);
      if (each) {
        auto p = store_.media_playlist("live", "source");
        if (p) each(test::to_string(p));
      }
    }
  }
  std::string text(const std::string& rendition = "source") {
    return test::to_string(store_.media_playlist("live", rendition));
  }

  ManualClock clock_;
  int64_t fed_ms_ = 0;
  RenditionStore store_{clock_};
  const FixtureMedia& fixture_ = test::shared_fixture();
};

// The defect players saw: video a few milliseconds after audio, millisecond timestamps, and
// every 2 s segment ended in a one-frame part (0.467 + 0.5 + 0.5 + 0.5 + 0.033) that hls.js
// never fetched. Now every segment is four parts of fifteen frames.
TEST_F(PackagerTimingTest, ThirtyFpsFromRtmpCutsFourEqualPartsPerSegment) {
  Timing t;
  t.video_start_ms = 7;
  LlHlsPackager packager(config(), store_, clock_);
  packager.on_config(fixture_.config);
  run(packager, synthesize(fixture_, t));
  packager.on_end();
  const auto l = parse(text());
  EXPECT_EQ(l.part_target, 0.5);
  EXPECT_EQ(l.target_duration, 2);
  ASSERT_GE(l.extinf.size(), 5u);
  for (const auto& [msn, parts] : l.parts) {
    if (!l.extinf.contains(msn) || msn == l.extinf.rbegin()->first) continue;
    ASSERT_EQ(parts.size(), 4u) << "segment " << msn;
    for (const auto& p : parts) EXPECT_NEAR(p.duration, 0.5, 0.0015) << "segment " << msn;
    EXPECT_TRUE(parts.front().independent);
  }
}

// 25 fps: 12.5 frames would be half a second; parts are whole frames, so 13 (0.52 s) and
// PART-TARGET says so; a 2 s GOP is 13 + 13 + 13 + 11 frames, no sliver at its end.
TEST_F(PackagerTimingTest, TwentyFiveFpsPartsAreWholeFramesWithinPartTarget) {
  Timing t;
  t.fps_num = 25;
  t.gop = 50;
  LlHlsPackager packager(config(), store_, clock_);
  packager.on_config(fixture_.config);
  run(packager, synthesize(fixture_, t));
  packager.on_end();
  const auto l = parse(text());
  EXPECT_NEAR(l.part_target, 0.52, 1e-9);
  for (const auto& [msn, parts] : l.parts) {
    for (size_t i = 0; i < parts.size(); ++i) {
      EXPECT_LE(parts[i].duration, l.part_target + 1e-9) << msn << "." << i;
      if (l.extinf.contains(msn) && msn != l.extinf.rbegin()->first) {
        EXPECT_GE(parts[i].duration, 0.25) << msn << "." << i;
      }
    }
  }
}

// OBS's default GOP of 250 frames: the first segment fixes EXT-X-TARGETDURATION before anything
// is listed, and no reload ever shows another value (it climbed 3, 4, ... 8 before).
TEST_F(PackagerTimingTest, TargetDurationIsFixedByTheFirstGopAndNeverChanges) {
  Timing t;
  t.gop = 250;
  t.seconds = 30;
  LlHlsPackager packager(config(), store_, clock_);
  packager.on_config(fixture_.config);
  std::set<int> seen_targets;
  std::set<std::string> seen_part_targets;
  bool listed_early = false;
  run(packager, synthesize(fixture_, t), [&](const std::string& p) {
    const auto l = parse(p);
    seen_targets.insert(l.target_duration);
    seen_part_targets.insert(fmt::format("{:.3f}", l.part_target));
    listed_early |= l.extinf.empty();
  });
  packager.on_end();
  EXPECT_EQ(seen_targets, std::set<int>{8}) << "8.33 s GOP";
  EXPECT_EQ(seen_part_targets, std::set<std::string>{"0.500"});
  EXPECT_FALSE(listed_early) << "a playlist was published before its first segment was complete";
  const auto l = parse(text());
  for (const auto& [msn, d] : l.extinf) EXPECT_LE(std::lround(d), 8) << msn;
  EXPECT_TRUE(text().find("HOLD-BACK=24.000") != std::string::npos) << text();
}

// A GOP longer than the first (a source that changes its key frame interval) is cut without a
// key frame at the target duration rather than raising it; the multivariant playlist then stops
// promising independent segments.
TEST_F(PackagerTimingTest, ALongerGopLaterIsCutAtTheTargetDuration) {
  Timing t;
  t.gops = {60, 60, 180};
  t.seconds = 14;
  LlHlsPackager packager(config(), store_, clock_);
  packager.on_config(fixture_.config);
  run(packager, synthesize(fixture_, t));
  packager.on_end();
  const auto l = parse(text());
  EXPECT_EQ(l.target_duration, 2);
  for (const auto& [msn, d] : l.extinf) EXPECT_LE(std::lround(d), 2) << msn << text();
  EXPECT_GE(packager.counters().forced_cuts, 1u);
  bool some_not_independent = false;
  for (const auto& [msn, parts] : l.parts) some_not_independent |= !parts.front().independent;
  EXPECT_TRUE(some_not_independent);
  auto master = store_.multivariant_playlist("live");
  ASSERT_TRUE(master);
  EXPECT_EQ(master->find("EXT-X-INDEPENDENT-SEGMENTS"), std::string::npos) << *master;
}

// x264 with -g 60 and scene cuts: a key frame one second into a GOP moves the later ones. The
// segment that had to be cut without a key frame ends at the next key frame, so the one after it
// starts INDEPENDENT again instead of the misalignment carrying on.
TEST_F(PackagerTimingTest, AfterACutWithoutAKeyFrameTheNextKeyFrameStartsASegment) {
  Timing t;
  t.gops = {60, 60, 60, 60, 30, 60, 60, 60, 60};  // key frames at 0, 2, 4, 6, 8, 9, 11, 13 ...
  t.seconds = 18;
  LlHlsPackager packager(config(), store_, clock_);
  packager.on_config(fixture_.config);
  std::map<int64_t, bool> starts_independent;  // msn -> its first part is, over every playlist
  std::map<int64_t, double> extinf;
  int target_duration = 0;
  run(packager, synthesize(fixture_, t), [&](const std::string& playlist) {
    const auto l = parse(playlist);
    for (const auto& [msn, parts] : l.parts) starts_independent[msn] = parts.front().independent;
    for (const auto& [msn, d] : l.extinf) extinf[msn] = d;
    target_duration = l.target_duration;
  });
  EXPECT_EQ(packager.counters().forced_cuts, 1u) << text();
  int not_independent = 0;
  for (const auto& [msn, independent] : starts_independent) {
    if (independent) continue;
    ++not_independent;
    auto next = starts_independent.find(msn + 1);
    ASSERT_NE(next, starts_independent.end());
    EXPECT_TRUE(next->second) << "msn " << msn + 1 << " follows a cut without a key frame";
  }
  EXPECT_EQ(not_independent, 1);
  EXPECT_GE(extinf.size(), 8u);
  for (const auto& [msn, d] : extinf) EXPECT_LE(std::lround(d), target_duration) << msn;
}

// Audio that a publisher sends ahead of its video (GStreamer's x264enc lags by ~0.5 s; a rung's
// video comes out of the encoder after the audio) is kept and placed by its timestamp.
TEST_F(PackagerTimingTest, AudioArrivingAheadOfTheVideoIsKept) {
  Timing t;
  t.audio_lead_ms = 533;
  t.seconds = 8;
  const auto frames = synthesize(fixture_, t);
  LlHlsPackager packager(config(), store_, clock_);
  packager.on_config(fixture_.config);
  run(packager, frames);
  packager.on_end();
  size_t audio = 0;
  for (const auto& f : frames) audio += f->kind == media::TrackKind::Audio ? 1 : 0;
  EXPECT_EQ(packager.counters().frames_dropped, 0u);
  test::TempDir dir;
  test::write_rendition(store_, "live", "source", dir.path());
  auto r = test::run_command(
      "ffprobe -v error -count_frames -select_streams a -show_entries stream=nb_read_frames "
      "-of csv=p=0 " +
      (dir.path() / "index.m3u8").string());
  EXPECT_EQ(std::stoul(r.output), audio) << r.output;
}

// Two renditions of one stream, the second starting 300 ms later in wall time (a transcoded
// rung): the same segment carries the same date in both.
TEST_F(PackagerTimingTest, RenditionsShareOneProgramDateTimeAnchor) {
  auto anchor = std::make_shared<ProgramDateTimeAnchor>();
  auto source_config = config("source");
  auto rung_config = config("rung");
  source_config.date_anchor = anchor;
  rung_config.date_anchor = anchor;
  LlHlsPackager source(source_config, store_, clock_);
  LlHlsPackager rung(rung_config, store_, clock_);
  source.on_config(fixture_.config);
  rung.on_config(fixture_.config);
  Timing t;
  t.seconds = 10;
  const auto frames = synthesize(fixture_, t);
  std::deque<media::MediaFramePtr> late;  // the rung's frames, 300 ms behind
  for (const auto& f : frames) {
    clock_to(f);
    source.on_frame(f);
    late.push_back(f);
    while (!late.empty() && late.front()->dts / 90 + 300 <= fed_ms_) {
      rung.on_frame(late.front());
      late.pop_front();
    }
  }
  clock_.advance(std::chrono::milliseconds(300));
  for (const auto& f : late) rung.on_frame(f);
  source.on_end();
  rung.on_end();
  const auto a = parse(text("source"));
  const auto b = parse(text("rung"));
  ASSERT_GE(a.dates.size(), 4u);
  EXPECT_EQ(a.dates, b.dates);
}

}  // namespace
}  // namespace stagecast::hls
