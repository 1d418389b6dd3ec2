#include "transcode/transcoder.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "hls/fixture_media.h"
#include "transcode/video_decoder.h"

namespace stagecast::transcode {
namespace {

using hls::test::shared_fixture;
using namespace std::chrono_literals;

// Records what a rung's packager would receive. A gate, when set, holds the first video frame
// (a packager stuck on a slow store) so that the rung's queue backs up.
class CaptureSink final : public media::MediaSink {
 public:
  void on_config(const media::StreamConfig& config) override {
    std::lock_guard lock(mu_);
    configs.push_back(config);
  }
  void on_frame(const media::MediaFramePtr& frame) override {
    if (gate && frame->kind == media::TrackKind::Video) gate->wait();
    std::lock_guard lock(mu_);
    frames.push_back(frame);
  }
  void on_discontinuity() override {
    std::lock_guard lock(mu_);
    ++discontinuities;
  }
  void on_end() override {
    // A gated (stalled) sink does not end either until released, even if it was dropped before
    // its first picture arrived.
    if (gate) gate->wait();
    std::lock_guard lock(mu_);
    ended = true;
    end_order = order ? (*order)++ : 0;
    cv_.notify_all();
  }
  bool wait_end(std::chrono::seconds limit) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return ended; });
  }
  std::vector<media::MediaFramePtr> video() const {
    std::lock_guard lock(mu_);
    std::vector<media::MediaFramePtr> v;
    for (const auto& f : frames)
      if (f->kind == media::TrackKind::Video) v.push_back(f);
    return v;
  }
  size_t audio_count() const {
    std::lock_guard lock(mu_);
    return std::count_if(frames.begin(), frames.end(),
                         [](auto& f) { return f->kind == media::TrackKind::Audio; });
  }

  std::vector<media::StreamConfig> configs;
  std::vector<media::MediaFramePtr> frames;
  int discontinuities = 0;
  bool ended = false;
  int end_order = 0;
  std::atomic<int>* order = nullptr;
  std::shared_future<void>* gate = nullptr;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
};

struct Harness {
  explicit Harness(TranscoderOptions options, size_t threads = 2)
      : pool("transcode-test", threads, 100'000),
        transcoder(hooked(std::move(options)), pool,
                   [this](const Rung& rung) {
                     auto sink = std::make_shared<CaptureSink>();
                     sink->order = &end_counter;
                     if (rung.name == gated_rung) sink->gate = &gate;
                     std::lock_guard lock(mu);
                     planned.push_back(rung);
                     sinks[rung.name] = sink;
                     return sink;
                   },
                   TranscoderMetrics{&dropped, &errors, &encoded, &active}) {}

  TranscoderOptions hooked(TranscoderOptions options) {
    options.on_rung_withdrawn = [this](const Rung& rung) {
      auto s = sink(rung.name);
      std::lock_guard lock(mu);
      // Withdrawn only once the rung's sink has ended (its last playlist is out).
      withdrawn.push_back(rung.name + (s && s->ended ? "" : " (before its end)"));
    };
    return options;
  }
  std::vector<std::string> withdrawn_rungs() {
    std::lock_guard lock(mu);
    return withdrawn;
  }
  std::shared_ptr<CaptureSink> sink(const std::string& name) {
    std::lock_guard lock(mu);
    return sinks.count(name) ? sinks[name] : nullptr;
  }
  void feed_fixture() {
    const auto& fx = shared_fixture();
    transcoder.on_config(fx.config);
    for (const auto& f : fx.frames) transcoder.on_frame(f);
  }
  bool wait_ended(std::chrono::seconds limit = 120s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!transcoder.stats().ended) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(20ms);
    }
    return true;
  }

  WorkerPool pool;
  std::mutex mu;
  std::vector<Rung> planned;
  std::vector<std::string> withdrawn;
  std::map<std::string, std::shared_ptr<CaptureSink>> sinks;
  std::string gated_rung;
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<int> end_counter{0};
  Counter dropped, errors, encoded;
  Gauge active;
  Transcoder transcoder;
};

TranscoderOptions small_ladder() {
  TranscoderOptions o;
  o.stream_id = "test";
  // The fixture is 640x360: 360p equals the source and is skipped.
  o.ladder = {{360, 800'000}, {240, 400'000}, {180, 250'000}};
  o.x264_preset = "superfast";
  // The tests push a whole file at once, not in real time.
  o.max_decode_queue = 100'000;
  o.rung_queue_soft = 100'000;
  o.rung_queue_hard = 100'000;
  return o;
}

std::vector<int64_t> keyframe_pts(const std::vector<media::MediaFramePtr>& frames) {
  std::vector<int64_t> pts;
  for (const auto& f : frames)
    if (f->kind == media::TrackKind::Video && f->keyframe) pts.push_back(f->pts);
  return pts;
}

TEST(Transcoder, EveryRungKeepsTheSourceTimelineAndKeyFrames) {
  Harness h(small_ladder());
  h.feed_fixture();
  h.transcoder.on_end();
  ASSERT_TRUE(h.wait_ended());

  const auto& fx = shared_fixture();
  std::vector<media::MediaFramePtr> source_video;
  for (const auto& f : fx.frames)
    if (f->kind == media::TrackKind::Video) source_video.push_back(f);
  ASSERT_GT(keyframe_pts(source_video).size(), 1u) << "the fixture needs several GOPs";

  ASSERT_EQ(h.planned.size(), 2u);
  EXPECT_EQ(h.planned[0].name, "240p");
  EXPECT_EQ(h.planned[0].width, 426);
  EXPECT_EQ(h.planned[1].name, "180p");
  EXPECT_EQ(h.planned[1].width, 320);

  for (const auto& rung : h.planned) {
    SCOPED_TRACE(rung.name);
    auto sink = h.sink(rung.name);
    ASSERT_TRUE(sink);
    EXPECT_TRUE(sink->ended);
    ASSERT_FALSE(sink->configs.empty());
    const auto& cfg = sink->configs.back();
    ASSERT_TRUE(cfg.video && cfg.audio);
    EXPECT_EQ(cfg.video->width, rung.width);
    EXPECT_EQ(cfg.video->height, rung.height);
    EXPECT_EQ(cfg.audio->asc, fx.config.audio->asc);  // the source's AAC, shared
    EXPECT_EQ(sink->audio_count(), fx.audio_frames);

    auto video = sink->video();
    ASSERT_EQ(video.size(), source_video.size());
    // Same key frames at the same presentation times, same decode timeline: the packagers cut
    // segments and parts at the same instants on every rung.
    EXPECT_EQ(keyframe_pts(video), keyframe_pts(source_video));
    std::vector<int64_t> pts_in, pts_out;
    for (size_t i = 0; i < video.size(); ++i) {
      EXPECT_EQ(video[i]->dts, source_video[i]->dts) << "frame " << i;
      EXPECT_LE(video[i]->dts, video[i]->pts);
      pts_in.push_back(source_video[i]->pts);
      pts_out.push_back(video[i]->pts);
    }
    std::sort(pts_in.begin(), pts_in.end());
    EXPECT_EQ(pts_out, pts_in);  // no B-frames: decode order is presentation order

    // The rung decodes, every picture at the rung's size.
    auto decoder = VideoDecoder::open(*cfg.video);
    ASSERT_TRUE(decoder) << decoder.error().message;
    size_t pictures = 0;
    auto count = [&](DecodedPicture p) {
      EXPECT_EQ(p.picture->width, rung.width);
      EXPECT_EQ(p.picture->height, rung.height);
      ++pictures;
    };
    for (const auto& f : video) EXPECT_TRUE((*decoder)->decode(*f, count));
    (*decoder)->drain(count);
    EXPECT_EQ(pictures, video.size());
    EXPECT_EQ((*decoder)->errors(), 0u);
  }
  EXPECT_EQ(h.encoded.value(), 2 * source_video.size());
  EXPECT_EQ(h.dropped.value(), 0u);
  EXPECT_EQ(h.active.value(), 0);
}

TEST(Transcoder, ASlowRungMakesTheLowestRungGoFirst) {
  auto options = small_ladder();
  options.rung_queue_soft = 5;
  options.rung_queue_hard = 10'000;
  Harness h(options, 3);
  h.gated_rung = "240p";  // its packager stalls: its queue grows
  h.feed_fixture();
  // The lowest rung ends while the stalled one is still held.
  auto low = [&] { return h.sink("180p"); };
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!low() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(low());
  ASSERT_TRUE(low()->wait_end(60s));
  EXPECT_FALSE(h.sink("240p")->ended);
  auto stats = h.transcoder.stats();
  ASSERT_FALSE(stats.dropped.empty());
  // The stalled rung may go next (it stays behind), but never before the lowest.
  EXPECT_NE(std::find(stats.dropped.begin(), stats.dropped.end(), "180p"), stats.dropped.end());
  EXPECT_GE(h.dropped.value(), 1u);
  EXPECT_LT(low()->video().size(), shared_fixture().video_frames);

  h.release.set_value();
  h.transcoder.on_end();
  ASSERT_TRUE(h.wait_ended());
  EXPECT_TRUE(h.sink("240p")->ended);
  EXPECT_LT(low()->end_order, h.sink("240p")->end_order);
  // Dropped rungs are withdrawn from what players are offered, each once its sink ended (at the
  // tail of its own queue, so not necessarily in the order they were dropped); a rung that ended
  // with the stream is not.
  const auto withdrawn = h.withdrawn_rungs();
  ASSERT_FALSE(withdrawn.empty());
  EXPECT_NE(std::find(withdrawn.begin(), withdrawn.end(), "180p"), withdrawn.end());
  const auto dropped = h.transcoder.stats().dropped;
  EXPECT_EQ(withdrawn.size(), dropped.size());
  for (const auto& name : dropped)
    EXPECT_NE(std::find(withdrawn.begin(), withdrawn.end(), name), withdrawn.end()) << name;
}

TEST(Transcoder, ADecoderThatCannotKeepUpEndsTheLadderNotTheCaller) {
  auto options = small_ladder();
  options.max_decode_queue = 20;
  options.rung_queue_soft = 45;
  options.rung_queue_hard = 120;
  Harness h(options, 1);
  const auto& fx = shared_fixture();
  h.transcoder.on_config(fx.config);
  // In real time (a frame per tick, each decoded before the next) the queue never fills.
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (h.transcoder.stats().active.size() < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  size_t i = 0;
  while (h.transcoder.stats().pictures_decoded == 0 && i < 40 &&
         std::chrono::steady_clock::now() < deadline) {
    h.transcoder.on_frame(fx.frames[i++]);
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_GT(h.transcoder.stats().pictures_decoded, 0u);

  // Stall the only pool thread: frames keep arriving and on_frame() never waits.
  std::promise<void> unblock;
  auto blocked = unblock.get_future().share();
  ASSERT_TRUE(h.pool.post([blocked] { blocked.wait(); }));
  for (; i < fx.frames.size(); ++i) h.transcoder.on_frame(fx.frames[i]);
  auto stats = h.transcoder.stats();
  EXPECT_TRUE(stats.active.empty());
  EXPECT_EQ(stats.dropped.size(), 2u);
  unblock.set_value();
  h.transcoder.on_end();
  ASSERT_TRUE(h.wait_ended());
  EXPECT_TRUE(h.sink("240p")->ended);
  EXPECT_TRUE(h.sink("180p")->ended);
  EXPECT_EQ(h.dropped.value(), 2u);
  auto withdrawn = h.withdrawn_rungs();
  std::sort(withdrawn.begin(), withdrawn.end());
  EXPECT_EQ(withdrawn, (std::vector<std::string>{"180p", "240p"}));
}

TEST(Transcoder, AnUndecodableSourceStartsNoRung) {
  Harness h(small_ladder());
  media::StreamConfig config = shared_fixture().config;
  config.video->avcc = {1, 2, 3};
  h.transcoder.on_config(config);
  for (const auto& f : shared_fixture().frames) h.transcoder.on_frame(f);
  h.transcoder.on_end();
  ASSERT_TRUE(h.wait_ended());
  EXPECT_TRUE(h.planned.empty());
  EXPECT_EQ(h.transcoder.stats().pictures_decoded, 0u);
}

TEST(Transcoder, ADiscontinuityReachesEveryRungAfterItsFrames) {
  Harness h(small_ladder());
  const auto& fx = shared_fixture();
  h.transcoder.on_config(fx.config);
  for (const auto& f : fx.frames) h.transcoder.on_frame(f);
  h.transcoder.on_discontinuity();
  // The publisher is back: timestamps restart at zero.
  for (const auto& f : fx.frames) h.transcoder.on_frame(f);
  h.transcoder.on_end();
  ASSERT_TRUE(h.wait_ended());
  for (const auto& name : {"240p", "180p"}) {
    auto sink = h.sink(name);
    ASSERT_TRUE(sink);
    EXPECT_EQ(sink->discontinuities, 1);
    EXPECT_EQ(sink->video().size(), 2 * fx.video_frames);
  }
}

}  // namespace
}  // namespace stagecast::transcode
