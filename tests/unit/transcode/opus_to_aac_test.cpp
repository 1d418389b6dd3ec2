// OpusToAac: the threading contract. Work runs on the pool, push() only queues, the queue bound
// drops the oldest packets, and destruction with work pending or running is safe.

#include "transcode/opus_to_aac.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "transcode/audio_fixture.h"

namespace stagecast::transcode {
namespace {

using namespace std::chrono_literals;

// What the hub would receive, with the threads it was called on.
struct Capture {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<media::AudioConfig> configs;
  std::vector<media::MediaFramePtr> frames;
  size_t frames_before_config = 0;
  std::set<std::thread::id> threads;
  bool finished = false;
  std::vector<Error> errors;

  AacOutput output() {
    AacOutput out;
    out.on_config = [this](const media::AudioConfig& c) {
      std::lock_guard lock(mu);
      configs.push_back(c);
      threads.insert(std::this_thread::get_id());
    };
    out.on_frame = [this](const media::MediaFramePtr& f) {
      std::lock_guard lock(mu);
      if (configs.empty()) ++frames_before_config;
      frames.push_back(f);
      threads.insert(std::this_thread::get_id());
    };
    out.on_finished = [this] {
      std::lock_guard lock(mu);
      finished = true;
      cv.notify_all();
    };
    out.on_error = [this](const Error& e) {
      std::lock_guard lock(mu);
      errors.push_back(e);
    };
    return out;
  }
  bool wait_finished(std::chrono::seconds limit = 60s) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, limit, [&] { return finished; });
  }
  size_t frame_count() {
    std::lock_guard lock(mu);
    return frames.size();
  }
};

// Holds the pool's only thread until released, so that pushes pile up in the queue.
struct PoolGate {
  std::promise<void> release;
  std::promise<void> entered;
  void close(WorkerPool& pool) {
    auto gate = release.get_future().share();
    ASSERT_TRUE(pool.post([this, gate] {
      entered.set_value();
      gate.wait();
    }));
    entered.get_future().wait();
  }
  void open() { release.set_value(); }
};

test::OpusPackets tone(double seconds) {
  test::SineSpec spec;
  spec.seconds = seconds;
  return test::encode_opus_sine(spec);
}

TEST(OpusToAac, ConvertsOnThePoolConfigFirst) {
  const auto opus = tone(2);
  WorkerPool pool("opus-test", 2);
  Capture cap;
  OpusToAac conv(OpusToAacOptions{"s1", {}, 200}, pool, cap.output());
  const auto caller = std::this_thread::get_id();
  for (const auto& p : opus.packets) conv.push(p);
  conv.finish();
  ASSERT_TRUE(cap.wait_finished());

  std::lock_guard lock(cap.mu);
  ASSERT_EQ(cap.configs.size(), 1u);
  EXPECT_EQ(cap.frames_before_config, 0u);
  EXPECT_FALSE(cap.threads.count(caller));
  const int64_t in_samples = static_cast<int64_t>(opus.packets.size()) * opus.samples_per_packet;
  EXPECT_EQ(static_cast<int64_t>(cap.frames.size()), (in_samples + 1023) / 1024);
  EXPECT_EQ(cap.frames.front()->pts, opus.packets.front()->pts);
  for (size_t i = 1; i < cap.frames.size(); ++i)
    EXPECT_EQ(cap.frames[i]->pts - cap.frames[i - 1]->pts, kAacFrameTicks) << "frame " << i;
  const auto pcm = test::decode_aac(cap.configs[0], cap.frames);
  EXPECT_NEAR(test::tone_frequency(pcm.left, 0.2, 1.8), 440, 4.4);
  const auto stats = conv.stats();
  EXPECT_EQ(stats.pushed, opus.packets.size());
  EXPECT_EQ(stats.queue_dropped, 0u);
  EXPECT_EQ(stats.converter.frames_out, cap.frames.size());
  EXPECT_FALSE(stats.failed);
  EXPECT_TRUE(cap.errors.empty());
}

TEST(OpusToAac, FullQueueDropsTheOldest) {
  const auto opus = tone(2);  // about 100 packets
  const size_t n = opus.packets.size();
  ASSERT_GT(n, 16u);
  WorkerPool pool("opus-test", 1);
  Capture cap;
  OpusToAac conv(OpusToAacOptions{"s1", {}, 16}, pool, cap.output());
  PoolGate gate;
  gate.close(pool);
  for (const auto& p : opus.packets) conv.push(p);  // returns at once: the pool is held
  auto stats = conv.stats();
  EXPECT_EQ(stats.pushed, n);
  EXPECT_EQ(stats.queued, 16u);
  EXPECT_EQ(stats.max_queued, 16u);
  EXPECT_EQ(stats.queue_dropped, n - 16);
  EXPECT_EQ(cap.frame_count(), 0u);
  conv.finish();  // not subject to the bound, never dropped
  gate.open();
  ASSERT_TRUE(cap.wait_finished());
  stats = conv.stats();
  EXPECT_EQ(stats.converter.packets, 16u);
  EXPECT_EQ(stats.max_queued, 16u);
  // The newest 16 were kept: the timeline starts at the first of them.
  std::lock_guard lock(cap.mu);
  ASSERT_FALSE(cap.frames.empty());
  EXPECT_EQ(cap.frames.front()->pts, opus.packets[n - 16]->pts);
}

TEST(OpusToAac, DestroyedWithWorkQueued) {
  const auto opus = tone(1);
  WorkerPool pool("opus-test", 1);
  Capture cap;
  PoolGate gate;
  {
    OpusToAac conv(OpusToAacOptions{"s1", {}, 100}, pool, cap.output());
    gate.close(pool);
    for (const auto& p : opus.packets) conv.push(p);
    conv.finish();
  }  // destroyed while its drain task waits behind the gate
  gate.open();
  pool.stop();  // runs what was queued: the orphaned task finds the instance closed
  EXPECT_EQ(cap.frame_count(), 0u);
  EXPECT_FALSE(cap.finished);
}

TEST(OpusToAac, NoCallbackAfterTheDestructorReturns) {
  const auto opus = tone(4);
  WorkerPool pool("opus-test", 1);
  Capture cap;
  std::promise<void> converting;
  bool signalled = false;
  auto out = cap.output();
  auto on_frame = out.on_frame;
  out.on_frame = [&, on_frame](const media::MediaFramePtr& f) {
    on_frame(f);
    if (!signalled) {
      signalled = true;
      converting.set_value();
    }
  };
  auto conv = std::make_unique<OpusToAac>(OpusToAacOptions{"s1", {}, 1000}, pool, out);
  for (const auto& p : opus.packets) conv->push(p);
  converting.get_future().wait();  // the pool is converting now
  conv.reset();
  const size_t at_destruction = cap.frame_count();
  pool.stop();
  EXPECT_EQ(cap.frame_count(), at_destruction);
  EXPECT_LT(at_destruction, (opus.packets.size() * 960) / 1024);
}

TEST(OpusToAac, MayBeDestroyedFromItsOwnCallback) {
  const auto opus = tone(1);
  WorkerPool pool("opus-test", 1);
  std::unique_ptr<OpusToAac> conv;
  std::promise<void> destroyed;
  int frames = 0;
  AacOutput out;
  out.on_frame = [&](const media::MediaFramePtr&) {
    ++frames;
    conv.reset();  // no deadlock, and no frame after this one
    destroyed.set_value();
  };
  conv = std::make_unique<OpusToAac>(OpusToAacOptions{"s1", {}, 1000}, pool, out);
  auto* raw = conv.get();
  for (const auto& p : opus.packets) raw->push(p);
  destroyed.get_future().wait();
  pool.stop();
  EXPECT_EQ(frames, 1);
}

TEST(OpusToAac, IgnoresOtherCodecs) {
  WorkerPool pool("opus-test", 1);
  Capture cap;
  OpusToAac conv(OpusToAacOptions{}, pool, cap.output());
  auto aac = std::make_shared<media::MediaFrame>();
  aac->kind = media::TrackKind::Audio;
  aac->codec = media::Codec::Aac;
  conv.push(aac);
  conv.push(nullptr);
  conv.finish();
  ASSERT_TRUE(cap.wait_finished());
  EXPECT_EQ(conv.stats().pushed, 0u);
  EXPECT_EQ(cap.frame_count(), 0u);
}

}  // namespace
}  // namespace stagecast::transcode
