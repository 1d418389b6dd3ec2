// Live thumbnails from the real frames of tests/data/hls/source.mp4: a key frame decodes into a
// JPEG of the configured width (the aspect ratio kept, never upscaled) that libavcodec reads back;
// the sink makes one picture per interval of source time, on the pool, and none from a stream
// without a configuration or after its end.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "hls/fixture_media.h"
#include "transcode/jpeg_thumbnail.h"
#include "transcode/thumbnail_sink.h"

extern "C" {
#include <libavcodec/avcodec.h>
}

namespace stagecast::transcode {
namespace {

using hls::test::shared_fixture;
using namespace std::chrono_literals;

media::MediaFramePtr first_key_frame() {
  for (const auto& f : shared_fixture().frames) {
    if (f->kind == media::TrackKind::Video && f->keyframe) return f;
  }
  return nullptr;
}

// Decodes a JPEG with libavcodec's MJPEG decoder: its size, or {0, 0}.
std::pair<int, int> decoded_size(const Bytes& jpeg) {
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_MJPEG);
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (avcodec_open2(ctx.get(), codec, nullptr) < 0) return {0, 0};
  PacketPtr pkt = make_packet();
  pkt->data = const_cast<uint8_t*>(jpeg.data());
  pkt->size = static_cast<int>(jpeg.size());
  FramePtr frame = make_frame();
  if (avcodec_send_packet(ctx.get(), pkt.get()) < 0) return {0, 0};
  pkt->data = nullptr;
  pkt->size = 0;
  if (avcodec_receive_frame(ctx.get(), frame.get()) < 0) return {0, 0};
  return {frame->width, frame->height};
}

TEST(JpegThumbnailer, AKeyFrameBecomesAJpegOfTheWidthAskedForAndTheSourcesAspect) {
  const auto& fx = shared_fixture();
  ASSERT_TRUE(fx.config.video);
  const int sw = fx.config.video->width;
  const int sh = fx.config.video->height;
  JpegThumbnailer t({160, 5});
  ASSERT_TRUE(t.configure(*fx.config.video).ok());
  auto pic = t.make(*first_key_frame());
  ASSERT_TRUE(pic.ok()) << pic.error().message;
  EXPECT_EQ(pic->width, 160);
  EXPECT_EQ(pic->height, (sh * 160 / sw) & ~1);
  ASSERT_GE(pic->jpeg.size(), 4u);
  EXPECT_EQ(pic->jpeg[0], 0xff);
  EXPECT_EQ(pic->jpeg[1], 0xd8);  // SOI
  EXPECT_EQ(decoded_size(pic->jpeg), std::make_pair(pic->width, pic->height));
  // Again from the same decoder (drained and flushed in between).
  auto again = t.make(*first_key_frame());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->jpeg.size() > 0, true);

  // Never above the source's size.
  JpegThumbnailer big({1280, 5});
  ASSERT_TRUE(big.configure(*fx.config.video).ok());
  auto full = big.make(*first_key_frame());
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->width, sw & ~1);
}

TEST(JpegThumbnailer, RefusesWhatItCannotUse) {
  JpegThumbnailer t({160, 5});
  EXPECT_EQ(t.make(*first_key_frame()).error().code, "thumbnail_failed");  // not configured
  media::VideoConfig broken;
  broken.avcc = {1, 2, 3};
  EXPECT_FALSE(t.configure(broken).ok());
  ASSERT_TRUE(t.configure(*shared_fixture().config.video).ok());
  media::MediaFrame junk;
  junk.keyframe = true;
  junk.data = {0, 0, 0, 4, 0x65, 0xff, 0xff, 0xff};
  EXPECT_FALSE(t.make(junk).ok());
  // A broken frame does not spoil the next good one.
  EXPECT_TRUE(t.make(*first_key_frame()).ok());
}

TEST(ThumbnailSink, OnePicturePerIntervalOfSourceTimeOnThePool) {
  WorkerPool pool("thumbnail-test", 1, 64);
  ManualClock clock;
  std::mutex mu;
  std::vector<media::ThumbnailPtr> pictures;
  ThumbnailSinkOptions o;
  o.stream_id = "s";
  o.interval_90k = 2 * media::kTimescale;
  o.jpeg = {160, 5};
  Counter made, failed, skipped;
  auto sink = std::make_shared<ThumbnailSink>(
      o, pool, clock,
      [&](const std::string& id, media::ThumbnailPtr p) {
        EXPECT_EQ(id, "s");
        std::lock_guard lock(mu);
        pictures.push_back(std::move(p));
      },
      ThumbnailMetrics{&made, &failed, &skipped});
  const auto& fx = shared_fixture();
  // Frames before the configuration make nothing.
  sink->on_frame(first_key_frame());
  sink->on_config(fx.config);
  int64_t first_key = -1, last_key = 0;
  size_t keys = 0;
  for (const auto& f : fx.frames) {
    sink->on_frame(f);
    if (f->kind == media::TrackKind::Video && f->keyframe) {
      if (first_key < 0) first_key = f->pts;
      last_key = f->pts;
      ++keys;
      std::this_thread::sleep_for(30ms);  // room for the pool to finish the picture
    }
  }
  sink->on_end();
  pool.stop();
  const size_t at_most = static_cast<size_t>((last_key - first_key) / o.interval_90k) + 1;
  std::lock_guard lock(mu);
  EXPECT_GE(pictures.size(), 1u);
  EXPECT_LE(pictures.size(), at_most) << keys << " key frames";
  EXPECT_EQ(made.value(), pictures.size());
  EXPECT_EQ(failed.value(), 0u);
  for (const auto& p : pictures) EXPECT_EQ(p->width, 160);
}

}  // namespace
}  // namespace stagecast::transcode
