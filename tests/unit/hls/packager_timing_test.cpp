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
  // Video dts rounded down to multiples of this (GStreamer's x264enc with B-frames through
  // flvmux: steps of 21 and 43 ms, the AAC frame's 1024/48000 s), 0: none.
  double dts_quantum_s = 0;
  std::set<int> dropped;  // video frames (by index) the source never sends
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
    if (t.dropped.contains(i)) continue;
    auto f = std::make_shared<media::MediaFrame>(*video_payloads[i % video_payloads.size()]);
    // A fixed pseudo-random sequence: the same jitter every run.
    const int jitter =
        t.jitter_ms == 0 ? 0
                         : static_cast<int>((i * 7919 + 13) % (2 * t.jitter_ms + 1)) - t.jitter_ms;
    f->dts = f->pts = to_ticks(ts + jitter / 1000.0, t.round_to_ms);
    if (t.dts_quantum_s > 0)
      f->dts = to_ticks(std::floor(ts / t.dts_quantum_s + 1e-9) * t.dts_quantum_s, t.round_to_ms);
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

// Every playlist of a run, as a player sees them: each complete segment's parts as last listed,
// checked against 4.4.4.9 (at most PART-TARGET; at least 85% of it unless INDEPENDENT or the
// segment's last) and 4.4.3.1 (EXTINF rounded at most the target duration).
struct PartWindows {
  double part_target = -1;
  int target_duration = -1;
  std::map<int64_t, std::vector<Part>> complete;
  std::map<int64_t, double> extinf;

  void add(const std::string& playlist) {
    const auto l = parse(playlist);
    part_target = l.part_target;
    target_duration = l.target_duration;
    for (const auto& [msn, d] : l.extinf) {
      extinf[msn] = d;
      if (l.parts.contains(msn)) complete[msn] = l.parts.at(msn);
    }
  }
  std::vector<std::string> violations() const {
    std::vector<std::string> out;
    for (const auto& [msn, parts] : complete) {
      for (size_t i = 0; i < parts.size(); ++i) {
        const auto& p = parts[i];
        if (p.duration > part_target + 1e-9)
          out.push_back(fmt::format("{}.{}: {} > PART-TARGET {}", msn, i, p.duration, part_target));
        if (i + 1 < parts.size() && !p.independent && p.duration < 0.85 * part_target - 1e-9)
          out.push_back(fmt::format("{}.{}: {} < 85% of {}", msn, i, p.duration, part_target));
      }
    }
    for (const auto& [msn, d] : extinf)
      if (std::lround(d) > target_duration)
        out.push_back(fmt::format("{}: EXTINF {} > {}", msn, d, target_duration));
    return out;
  }
  // Segments whose first part is not INDEPENDENT.
  std::vector<int64_t> dependent_segments() const {
    std::vector<int64_t> out;
    for (const auto& [msn, parts] : complete)
      if (!parts.empty() && !parts.front().independent) out.push_back(msn);
    return out;
  }
};

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
// never fetched. Now a 2 s GOP is shared out over whole parts: with 0.5 s parts, four of fifteen
// frames; with the default 0.25 s, eight of 7 or 8 frames (PART-TARGET 8 frames and room for
// jitter, 0.271 s).
TEST_F(PackagerTimingTest, ThirtyFpsFromRtmpSharesEachGopOutOverEvenParts) {
  for (const int part_ms : {500, 250}) {
    RenditionStore store(clock_);
    auto c = config();
    c.part_target = std::chrono::milliseconds(part_ms);
    Timing t;
    t.video_start_ms = 7;
    LlHlsPackager packager(c, store, clock_);
    packager.on_config(fixture_.config);
    for (const auto& f : synthesize(fixture_, t)) packager.on_frame(f);
    packager.on_end();
    const auto l = parse(test::to_string(store.media_playlist("live", "source")));
    const double part = part_ms / 1000.0;
    EXPECT_EQ(l.part_target, part_ms == 500 ? 0.505 : 0.271) << part_ms;
    EXPECT_EQ(l.target_duration, 2);
    ASSERT_GE(l.extinf.size(), 5u);
    for (const auto& [msn, parts] : l.parts) {
      if (!l.extinf.contains(msn) || msn == l.extinf.rbegin()->first) continue;
      ASSERT_EQ(parts.size(), static_cast<size_t>(2 / part)) << part_ms << ": segment " << msn;
      // 0.5 s: 15 frames exactly; 0.25 s: 7 or 8 frames, never more than half a frame off.
      for (const auto& p : parts) EXPECT_NEAR(p.duration, part, 0.0175) << "segment " << msn;
      EXPECT_TRUE(parts.front().independent);
    }
  }
}

// Other frame rates: PART-TARGET is the part in whole frames and a little room for jitter
// (25 fps, 0.25 s: 7 frames, 0.282 s; 0.5 s: 13 frames, 0.525 s; 29.97 fps: 8 frames, 0.271 s;
// 60 fps: 15 frames, 0.253 s), and every part lies in its window.
TEST_F(PackagerTimingTest, OtherFrameRatesGetPartTargetsOfWholeFrames) {
  struct Case {
    int num, den, gop, part_ms;
    double part_target;
  };
  for (const auto& k : {Case{25, 1, 50, 250, 0.282}, Case{25, 1, 50, 500, 0.525},
                        Case{30000, 1001, 60, 250, 0.271}, Case{60, 1, 120, 250, 0.253}}) {
    RenditionStore store(clock_);
    auto c = config();
    c.part_target = std::chrono::milliseconds(k.part_ms);
    Timing t;
    t.fps_num = k.num;
    t.fps_den = k.den;
    t.gop = k.gop;
    LlHlsPackager packager(c, store, clock_);
    packager.on_config(fixture_.config);
    PartWindows seen;
    for (const auto& f : synthesize(fixture_, t)) {
      packager.on_frame(f);
      if (auto p = store.media_playlist("live", "source")) seen.add(test::to_string(p));
    }
    const auto where = fmt::format("{}/{} fps, {} ms", k.num, k.den, k.part_ms);
    EXPECT_NEAR(seen.part_target, k.part_target, 1e-9) << where;
    EXPECT_EQ(seen.violations(), std::vector<std::string>{}) << where;
    EXPECT_GE(seen.complete.size(), 4u) << where;
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
  EXPECT_EQ(seen_part_targets, std::set<std::string>{"0.271"});
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

// Parts by time, with the sources' real timestamps (part_timing.h). Each run feeds a live
// source and checks every playlist it published against 4.4.4.9.
class PartCuttingTest : public PackagerTimingTest {
 protected:
  PartWindows cut(const Timing& t, LlHlsPackager::Counters* counters = nullptr) {
    LlHlsPackager packager(config(), store_, clock_);
    packager.on_config(fixture_.config);
    PartWindows seen;
    run(packager, synthesize(fixture_, t), [&](const std::string& p) { seen.add(p); });
    packager.on_end();
    seen.add(text());
    if (counters) *counters = packager.counters();
    return seen;
  }
  // Cut at the 30 fps PART-TARGET with every part in its window, no segment ended at a gap, and
  // every segment INDEPENDENT.
  void expect_every_part_in_its_window(const Timing& t) {
    LlHlsPackager::Counters c;
    const auto seen = cut(t, &c);
    EXPECT_EQ(seen.part_target, 0.271);
    EXPECT_EQ(seen.violations(), std::vector<std::string>{});
    EXPECT_EQ(c.gap_cuts, 0u);
    EXPECT_EQ(seen.dependent_segments(), std::vector<int64_t>{});
    EXPECT_GE(seen.complete.size(), static_cast<size_t>(t.seconds / 2) - 2);
  }
};

// GStreamer's x264enc with B-frames through flvmux: dts on the AAC frame's 21.33 ms lattice,
// steps of 21 and 43 ms (and now and then 43 twice). With frame-count parts of 8 frames the
// first GOP's longest 8-frame span (0.278 s) became PART-TARGET and 7-frame parts fell to 84%
// of it; by time, PART-TARGET is 8 frames of 30 fps (with room) and every part finds its place.
TEST_F(PartCuttingTest, GStreamerBFrameTimestampsKeepEveryPartInItsWindow) {
  Timing t;
  t.dts_quantum_s = 1024.0 / 48000;
  t.seconds = 20;
  expect_every_part_in_its_window(t);
}

// A source under load drops a frame now and then (here one in 13, and 2 ms of jitter):
// PART-TARGET's window holds the starts of both a 7- and an 8-frame part with 3 ms to spare, so
// one missing frame still leaves a place to cut and segments stay INDEPENDENT.
TEST_F(PartCuttingTest, SingleDroppedFramesAndJitterKeepEveryPartInItsWindow) {
  Timing t;
  t.seconds = 20;
  t.jitter_ms = 2;
  for (int i = 3; i < 600; i += 13)
    if (i % 60 != 0) t.dropped.insert(i);
  expect_every_part_in_its_window(t);
}

// Two or three frames missing in a row (GStreamer's publishers on a loaded machine: a part of
// 0.241 s against a PART-TARGET of 0.334, the next frame past it): no frame starts in the window,
// so the segment ends there (a segment's last part may be short) rather than listing a part under
// 85%. The next segment starts without a key frame and the following key frame realigns.
TEST_F(PartCuttingTest, AGapWiderThanTheWindowEndsTheSegmentInsteadOfAShortPart) {
  for (const double quantum : {0.0, 1024.0 / 48000}) {
    Timing t;
    t.seconds = 24;
    t.dts_quantum_s = quantum;
    // After the first GOP, gaps of 2 and 3 frames at every offset into a part.
    for (int k = 0; k < 9; ++k) {
      const int first = 90 + k * 60 + 17 + k;
      for (int j = 0; j < 2 + k % 2; ++j) t.dropped.insert(first + j);
    }
    LlHlsPackager::Counters c;
    const auto seen = cut(t, &c);
    EXPECT_EQ(seen.violations(), std::vector<std::string>{}) << quantum;
    EXPECT_GE(c.gap_cuts, 1u) << quantum;
    for (const int64_t msn : seen.dependent_segments()) {
      ASSERT_TRUE(seen.complete.contains(msn + 1)) << msn;
      EXPECT_TRUE(seen.complete.at(msn + 1).front().independent) << msn + 1;
    }
  }
}

// Frames missing in the first GOP: that segment is cut into parts only once complete (nothing is
// listed before), so the parts are planned around the gap and no segment has to end early.
TEST_F(PartCuttingTest, GapsInTheFirstSegmentArePlannedAround) {
  Timing t;
  t.seconds = 10;
  t.dropped = {20, 21, 22, 37, 45, 46};
  expect_every_part_in_its_window(t);
}

// OBS's 250-frame GOP (8.33 s): the parts share the GOP out evenly (33 of about 0.2525 s), so a
// segment's last part is a full one, not the sliver that 0.25 s steps would leave (0.083 s).
TEST_F(PartCuttingTest, ALongGopIsSharedOutOverEvenParts) {
  Timing t;
  t.gop = 250;
  t.seconds = 34;
  const auto seen = cut(t);
  EXPECT_EQ(seen.violations(), std::vector<std::string>{});
  ASSERT_GE(seen.complete.size(), 3u);
  for (const auto& [msn, parts] : seen.complete) {
    if (msn == seen.complete.rbegin()->first) continue;  // the end of the stream
    EXPECT_EQ(parts.size(), 33u) << msn;
    EXPECT_GE(parts.back().duration, 0.2) << msn;
  }
}

}  // namespace
}  // namespace stagecast::hls
