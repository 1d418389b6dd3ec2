// StreamHub: reordering (B-frames) noticed from presentation order, the key-frame request a
// publisher registers, and HubFeed making a stage's output a hub of its own.

#include "media/stream_hub.h"

#include <gtest/gtest.h>

namespace stagecast::media {
namespace {

MediaFramePtr video(int64_t dts, int64_t pts, bool key = false) {
  auto f = std::make_shared<MediaFrame>();
  f->kind = TrackKind::Video;
  f->dts = dts;
  f->pts = pts;
  f->keyframe = key;
  return f;
}

struct Recorder final : MediaSink {
  int configs = 0, frames = 0, discontinuities = 0, ends = 0;
  void on_config(const StreamConfig&) override { ++configs; }
  void on_frame(const MediaFramePtr&) override { ++frames; }
  void on_discontinuity() override { ++discontinuities; }
  void on_end() override { ++ends; }
};

TEST(StreamHub, AConstantCompositionOffsetIsNotReordering) {
  StreamHub hub("s");
  for (int i = 0; i < 10; ++i) hub.publish_frame(video(i * 3000, i * 3000 + 6000, i == 0));
  EXPECT_FALSE(hub.reorders());
}

TEST(StreamHub, BFramesAreNoticed) {
  StreamHub hub("s");
  // I P B B: decode order 0,1,2,3; presentation 0,3,1,2.
  hub.publish_frame(video(0, 3000, true));
  hub.publish_frame(video(3000, 12000));
  EXPECT_FALSE(hub.reorders());
  hub.publish_frame(video(6000, 6000));
  EXPECT_TRUE(hub.reorders());
}

TEST(StreamHub, TimestampsRestartingAfterADiscontinuityAreNotReordering) {
  StreamHub hub("s");
  hub.publish_frame(video(90000, 90000, true));
  hub.publish_discontinuity();
  hub.publish_frame(video(0, 0, true));
  EXPECT_FALSE(hub.reorders());
}

TEST(StreamHub, KeyframeRequestsReachThePublisherThatRegistered) {
  StreamHub hub("s");
  hub.request_keyframe();  // nobody registered: nothing happens
  int asked = 0;
  hub.set_keyframe_request([&] { ++asked; });
  hub.request_keyframe();
  hub.request_keyframe();
  EXPECT_EQ(asked, 2);
}

TEST(HubFeed, PublishesWhatItIsGivenIntoItsHub) {
  auto rung = std::make_shared<StreamHub>("s");
  auto sink = std::make_shared<Recorder>();
  rung->add_sink(sink);
  HubFeed feed(rung);
  feed.on_config(StreamConfig{});
  feed.on_frame(video(0, 0, true));
  feed.on_discontinuity();
  feed.on_end();
  EXPECT_EQ(sink->configs, 1);
  EXPECT_EQ(sink->frames, 1);
  EXPECT_EQ(sink->discontinuities, 1);
  EXPECT_EQ(sink->ends, 1);
  EXPECT_EQ(rung->frames_published(), 1u);
}

}  // namespace
}  // namespace stagecast::media
