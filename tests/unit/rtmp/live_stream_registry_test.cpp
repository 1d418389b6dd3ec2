#include "ingest/live_stream_registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <thread>

#include "test_sinks.h"

namespace stagecast::ingest {
namespace {

using namespace std::chrono_literals;

class FakePublisher final : public IngestPublisher {
 public:
  void disconnect(const std::string& reason) override {
    std::lock_guard l(mu);
    reasons.push_back(reason);
  }
  std::vector<std::string> disconnects() {
    std::lock_guard l(mu);
    return reasons;
  }
  std::mutex mu;
  std::vector<std::string> reasons;
};

media::MediaFramePtr frame(int64_t dts) {
  auto f = std::make_shared<media::MediaFrame>();
  f->dts = f->pts = dts;
  f->keyframe = true;
  f->data = {0, 0, 0, 1, 0x65};
  return f;
}

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    // As app/ does: stop the I/O first (pending max-duration timers would keep run() going),
    // then destroy the registry, which does not touch the executor any more.
    io_.stop();
    thread_.join();
    registry_.reset();
  }
  void make_registry(LiveStreamOptions options) {
    registry_ = std::make_unique<LiveStreamRegistry>(io_.get_executor(), listener_, metrics_, clock_, options);
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  std::thread thread_;
  MetricsRegistry metrics_;
  SystemClock clock_;
  test::RecordingListener listener_;
  std::unique_ptr<LiveStreamRegistry> registry_;
};

TEST_F(RegistryTest, FirstPublishGoesLiveAndASecondPublisherIsRefused) {
  make_registry({});
  auto p1 = std::make_shared<FakePublisher>();
  auto lease = registry_->attach("s1", p1);
  ASSERT_TRUE(lease.ok());
  EXPECT_FALSE((*lease)->resumed());
  EXPECT_EQ(listener_.count("live", "s1"), 1u);
  EXPECT_TRUE(registry_->is_live("s1"));
  EXPECT_TRUE((*lease)->publish_frame(frame(0)));
  EXPECT_EQ(listener_.sink("s1")->with_lock([](auto& s) { return s.frames.size(); }), 1u);

  auto p2 = std::make_shared<FakePublisher>();
  auto second = registry_->attach("s1", p2);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, "already_publishing");
  EXPECT_TRUE(p1->disconnects().empty());  // the first publisher is untouched
  EXPECT_TRUE((*lease)->publish_frame(frame(3000)));
  // A different stream is independent.
  EXPECT_TRUE(registry_->attach("s2", p2).ok());
  EXPECT_EQ(registry_->live_stream_ids().size(), 2u);
}

TEST_F(RegistryTest, PublisherBackWithinGraceContinuesTheSameHub) {
  make_registry({.grace_period = 2s});
  auto p1 = std::make_shared<FakePublisher>();
  auto lease = registry_->attach("s1", p1);
  ASSERT_TRUE(lease.ok());
  auto hub = (*lease)->hub();
  EXPECT_TRUE((*lease)->publish_frame(frame(0)));
  lease->reset();  // publisher dropped
  EXPECT_TRUE(listener_.wait_for("interrupted", "s1"));
  EXPECT_TRUE(registry_->is_live("s1"));

  auto p2 = std::make_shared<FakePublisher>();
  auto again = registry_->attach("s1", p2);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE((*again)->resumed());
  EXPECT_EQ((*again)->hub(), hub);
  EXPECT_EQ(listener_.count("resumed", "s1"), 1u);
  EXPECT_TRUE((*again)->publish_frame(frame(0)));
  auto sink = listener_.sink("s1");
  sink->with_lock([](auto& s) {
    EXPECT_EQ(s.discontinuities, 1);
    EXPECT_EQ(s.frames_at_discontinuity, std::vector<size_t>{1});
    EXPECT_EQ(s.frames.size(), 2u);
    EXPECT_EQ(s.ends, 0);
    return 0;
  });
  EXPECT_EQ(registry_->stats("s1")->reconnects, 1u);
}

TEST_F(RegistryTest, PublisherGoneBeyondGraceEndsTheStream) {
  make_registry({.grace_period = 100ms});
  auto lease = registry_->attach("s1", std::make_shared<FakePublisher>());
  ASSERT_TRUE(lease.ok());
  auto hub = (*lease)->hub();
  lease->reset();
  ASSERT_TRUE(listener_.wait_for("ended", "s1"));
  EXPECT_EQ(listener_.events_snapshot().back().reason, "publisher_gone");
  EXPECT_EQ(listener_.sink("s1")->with_lock([](auto& s) { return s.ends; }), 1);
  EXPECT_FALSE(registry_->is_live("s1"));
  // A later publish starts a new stream with a new hub.
  auto next = registry_->attach("s1", std::make_shared<FakePublisher>());
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE((*next)->resumed());
  EXPECT_NE((*next)->hub(), hub);
  EXPECT_EQ(listener_.count("live", "s1"), 2u);
}

TEST_F(RegistryTest, MaximumDurationDisconnectsThePublisherAndEnds) {
  make_registry({.grace_period = 5s, .max_duration = 150ms});
  auto publisher = std::make_shared<FakePublisher>();
  auto lease = registry_->attach("s1", publisher);
  ASSERT_TRUE(lease.ok());
  ASSERT_TRUE(listener_.wait_for("ended", "s1"));
  EXPECT_EQ(listener_.events_snapshot().back().reason, "max_duration");
  EXPECT_EQ(publisher->disconnects(), std::vector<std::string>{"max_duration"});
  // The publisher's frames no longer reach the sinks once the stream ended.
  EXPECT_FALSE((*lease)->publish_frame(frame(0)));
  EXPECT_EQ(listener_.sink("s1")->with_lock([](auto& s) { return s.frames.size(); }), 0u);
  lease->reset();  // detaching after the end changes nothing
  EXPECT_FALSE(registry_->is_live("s1"));
}

TEST_F(RegistryTest, MaximumDurationCountsAcrossResumes) {
  make_registry({.grace_period = 5s, .max_duration = 300ms});
  auto lease = registry_->attach("s1", std::make_shared<FakePublisher>());
  ASSERT_TRUE(lease.ok());
  lease->reset();
  auto again = registry_->attach("s1", std::make_shared<FakePublisher>());
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE((*again)->resumed());
  ASSERT_TRUE(listener_.wait_for("ended", "s1"));
  EXPECT_EQ(listener_.events_snapshot().back().reason, "max_duration");
}

TEST_F(RegistryTest, EndStreamDisconnectsNowAndSkipsTheGracePeriod) {
  make_registry({.grace_period = 10s});
  auto publisher = std::make_shared<FakePublisher>();
  auto lease = registry_->attach("s1", publisher);
  ASSERT_TRUE(lease.ok());
  EXPECT_TRUE(registry_->end_stream("s1"));
  EXPECT_EQ(listener_.count("ended", "s1"), 1u);
  EXPECT_EQ(publisher->disconnects(), std::vector<std::string>{"ended"});
  EXPECT_FALSE((*lease)->publish_frame(frame(0)));
  EXPECT_FALSE(registry_->end_stream("s1"));
  EXPECT_FALSE(registry_->end_stream("unknown"));
}

TEST(IngestStatsMeter, BitrateFpsAndKeyFrameInterval) {
  ManualClock clock;
  IngestStatsMeter meter(clock, 5s);
  media::StreamConfig config;
  config.video = media::VideoConfig{};
  config.video->width = 1280;
  config.video->height = 720;
  config.video->profile_idc = 0x64;
  config.video->level_idc = 0x1f;
  meter.on_config(config);
  // 4 s of 30 fps video, 12500 bytes per frame (3 Mbit/s), a key frame every 2 s.
  for (int i = 0; i < 120; ++i) {
    media::MediaFrame f;
    f.kind = media::TrackKind::Video;
    f.dts = int64_t{i} * 3000;
    f.keyframe = i % 60 == 0;
    f.data.resize(12500);
    meter.on_frame(f);
    clock.advance(std::chrono::milliseconds(1000 / 30 + (i % 3 == 0 ? 1 : 0)));
  }
  auto s = meter.snapshot();
  EXPECT_EQ(s.video_frames, 120u);
  EXPECT_EQ(s.key_frames, 2u);
  EXPECT_DOUBLE_EQ(s.keyframe_interval_s, 2.0);
  EXPECT_NEAR(s.fps, 30.0, 0.01);
  EXPECT_NEAR(s.bitrate_kbps, 3000, 100);
  EXPECT_EQ(s.width, 1280);
  EXPECT_EQ(s.video_codec, "avc1.64001f");
  EXPECT_EQ(s.bytes_received, 120u * 12500);
}

}  // namespace
}  // namespace stagecast::ingest
