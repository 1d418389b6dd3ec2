// End to end: the real ffmpeg publishes to RtmpServer on 127.0.0.1:0; a test authorizer answers
// from another thread, as the production worker pool does; a recording sink on the hub checks
// what reached the media path.

#include "ingest/rtmp/rtmp_server.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <poll.h>
#include <unistd.h>

#include <cmath>
#include <random>
#include <thread>

#include "capture_fixture.h"
#include "ffmpeg_process.h"
#include "test_sinks.h"

namespace stagecast::ingest::rtmp {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

class TestAuthorizer final : public PublishAuthorizer {
 public:
  explicit TestAuthorizer(asio::io_context& worker) : worker_(worker) {}
  void authorize(const PublishRequest& request, std::function<void(Result<PublishGrant>)> done) override {
    {
      std::lock_guard l(mu_);
      requests_.push_back(request);
    }
    asio::post(worker_, [request, done = std::move(done)] {
      if (request.app == "live" && request.stream_name == "goodkey") return done(PublishGrant{"stream-1"});
      if (request.app == "live" && request.stream_name == "otherkey") return done(PublishGrant{"stream-2"});
      done(make_error("invalid_key", "unknown stream key"));
    });
  }
  size_t requests() {
    std::lock_guard l(mu_);
    return requests_.size();
  }

 private:
  asio::io_context& worker_;
  std::mutex mu_;
  std::vector<PublishRequest> requests_;
};

class RtmpServerE2E : public ::testing::Test {
 protected:
  void start(LiveStreamOptions live = {}, RtmpServerOptions options = {}) {
    for (auto* io : {&io_a_, &io_b_, &worker_io_}) {
      threads_.emplace_back([io] { io->run(); });
    }
    registry_ = std::make_unique<LiveStreamRegistry>(io_a_.get_executor(), listener_, metrics_, clock_, live);
    options.host = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<RtmpServer>(std::vector<asio::io_context*>{&io_a_, &io_b_}, options,
                                           authorizer_, *registry_, metrics_);
    ASSERT_TRUE(server_->start().ok());
    ASSERT_NE(server_->port(), 0);
  }
  void TearDown() override {
    if (server_) server_->stop();
    guards_.clear();
    for (auto* io : {&io_a_, &io_b_, &worker_io_}) io->stop();
    for (auto& t : threads_) t.join();
    server_.reset();
    registry_.reset();
  }
  std::string url(const std::string& key) const {
    return "rtmp://127.0.0.1:" + std::to_string(server_->port()) + "/live/" + key;
  }
  std::string log_path(const std::string& name) const {
    return ::testing::TempDir() + "ffmpeg_" + name + ".log";
  }
  uint64_t counter(const std::string& name, const std::string& labels = "") {
    return metrics_.counter(name, "", labels).value();
  }

  asio::io_context io_a_;
  asio::io_context io_b_;
  asio::io_context worker_io_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_ = [this] {
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> g;
    g.emplace_back(io_a_.get_executor());
    g.emplace_back(io_b_.get_executor());
    g.emplace_back(worker_io_.get_executor());
    return g;
  }();
  std::vector<std::thread> threads_;
  MetricsRegistry metrics_;
  SystemClock clock_;
  test::RecordingListener listener_;
  TestAuthorizer authorizer_{worker_io_};
  std::unique_ptr<LiveStreamRegistry> registry_;
  std::unique_ptr<RtmpServer> server_;
};

TEST_F(RtmpServerE2E, FfmpegPublishesAnObsLikeStream) {
  start({.grace_period = 500ms});
  // The command of the issue: x264 veryfast zerolatency, 30 fps, GOP 60, AAC 48 kHz stereo, 4 s.
  test::FfmpegProcess ffmpeg(
      {"-re", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30", "-f", "lavfi", "-i",
       "sine=frequency=440:sample_rate=48000", "-c:v", "libx264", "-preset", "veryfast", "-tune",
       "zerolatency", "-g", "60", "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-t", "4", "-f", "flv",
       url("goodkey")},
      log_path("obs_like"));
  ASSERT_EQ(ffmpeg.wait(), 0) << ffmpeg.log();
  ASSERT_TRUE(listener_.wait_for("ended", "stream-1"));
  EXPECT_EQ(listener_.count("live", "stream-1"), 1u);

  auto sink = listener_.sink("stream-1");
  ASSERT_TRUE(sink);
  sink->with_lock([](test::RecordingSink& s) {
    ASSERT_GE(s.configs.size(), 1u);
    const auto& config = s.configs.back();
    ASSERT_TRUE(config.video && config.audio);
    EXPECT_EQ(config.video->width, 1280);
    EXPECT_EQ(config.video->height, 720);
    EXPECT_EQ(config.video->codec_string().substr(0, 7), "avc1.64");  // High profile
    EXPECT_EQ(config.video->frame_rate, 30);
    EXPECT_EQ(config.audio->sample_rate, 48000);
    EXPECT_EQ(config.audio->channels, 2);
    EXPECT_EQ(config.audio->codec_string(), "mp4a.40.2");

    std::vector<media::MediaFramePtr> video;
    std::vector<media::MediaFramePtr> audio;
    for (const auto& f : s.frames) (f->kind == media::TrackKind::Video ? video : audio).push_back(f);
    EXPECT_NEAR(static_cast<double>(video.size()), 120, 2);
    std::vector<double> keyframe_times;
    for (size_t i = 0; i < video.size(); ++i) {
      if (i > 0) {
        EXPECT_GT(video[i]->dts, video[i - 1]->dts);
      }
      EXPECT_GE(video[i]->pts, video[i]->dts);
      if (video[i]->keyframe) keyframe_times.push_back(static_cast<double>(video[i]->dts) / media::kTimescale);
    }
    ASSERT_EQ(keyframe_times.size(), 2u);  // GOP of 60 frames over 120 frames
    EXPECT_TRUE(video.front()->keyframe);
    EXPECT_NEAR(keyframe_times[1] - keyframe_times[0], 2.0, 0.01);
    for (size_t i = 1; i < audio.size(); ++i) {
      EXPECT_GT(audio[i]->dts, audio[i - 1]->dts);
    }

    const double v_first = static_cast<double>(video.front()->dts) / media::kTimescale;
    const double v_last = static_cast<double>(video.back()->dts) / media::kTimescale;
    const double a_first = static_cast<double>(audio.front()->dts) / media::kTimescale;
    const double a_last = static_cast<double>(audio.back()->dts) / media::kTimescale;
    EXPECT_NEAR(v_last - v_first + 1.0 / 30, 4.0, 0.05);  // duration of what was sent
    EXPECT_NEAR(a_first, v_first, 2.0 / 30);               // the tracks start together...
    EXPECT_NEAR(a_last, v_last, 2.0 / 30 + 1024.0 / 48000);  // ...and end together
    EXPECT_NEAR(static_cast<double>(audio.size()), 4.0 * 48000 / 1024, 3);
    EXPECT_EQ(s.ends, 1);
  });
  EXPECT_EQ(counter("stagecast_rtmp_publishes_total"), 1u);
  EXPECT_NEAR(static_cast<double>(counter("stagecast_rtmp_frames_total", R"(kind="video")")), 120, 2);
  EXPECT_GT(counter("stagecast_rtmp_bytes_received_total"), 100'000u);
}

TEST_F(RtmpServerE2E, WrongKeyIsRefusedAndNothingReachesTheMediaPath) {
  start();
  test::FfmpegProcess ffmpeg(test::publish_args(url("wrongkey"), "320x240", 1), log_path("wrong_key"));
  EXPECT_NE(ffmpeg.wait(), 0);
  EXPECT_NE(ffmpeg.log().find("Invalid stream key"), std::string::npos) << ffmpeg.log();
  EXPECT_EQ(authorizer_.requests(), 1u);
  EXPECT_TRUE(listener_.events_snapshot().empty());
  EXPECT_TRUE(registry_->live_stream_ids().empty());
  EXPECT_EQ(counter("stagecast_rtmp_publish_rejected_total", R"(reason="key")"), 1u);
  EXPECT_EQ(counter("stagecast_rtmp_frames_total", R"(kind="video")"), 0u);
}

TEST_F(RtmpServerE2E, SecondPublisherOnTheSameKeyIsRefusedWhileTheFirstRuns) {
  start({.grace_period = 300ms});
  test::FfmpegProcess first(test::publish_args(url("goodkey"), "320x240", 3), log_path("first"));
  ASSERT_TRUE(listener_.wait_for("live", "stream-1"));
  test::FfmpegProcess second(test::publish_args(url("goodkey"), "320x240", 2), log_path("second"));
  EXPECT_NE(second.wait(), 0);
  EXPECT_NE(second.log().find("already being published"), std::string::npos) << second.log();
  // Another stream is not affected by either.
  test::FfmpegProcess other(test::publish_args(url("otherkey"), "320x240", 1), log_path("other"));
  EXPECT_EQ(other.wait(), 0) << other.log();
  EXPECT_EQ(first.wait(), 0) << first.log();
  ASSERT_TRUE(listener_.wait_for("ended", "stream-1"));
  EXPECT_EQ(listener_.count("live", "stream-1"), 1u);
  EXPECT_EQ(listener_.count("resumed", "stream-1"), 0u);
  const size_t video = listener_.sink("stream-1")->with_lock([](test::RecordingSink& s) {
    return std::count_if(s.frames.begin(), s.frames.end(),
                         [](auto& f) { return f->kind == media::TrackKind::Video; });
  });
  EXPECT_NEAR(static_cast<double>(video), 90, 2);
  EXPECT_EQ(counter("stagecast_rtmp_publish_rejected_total", R"(reason="already_publishing")"), 1u);
}

TEST_F(RtmpServerE2E, AnEncoderThatComesAfterAnotherLeftTakesTheFreeIoThread) {
  // Round robin put the third connection beside the first while the second's thread stood idle.
  start({.grace_period = 5s});
  const auto until = [this](auto done) {
    for (int i = 0; i < 500 && !done(); ++i) std::this_thread::sleep_for(20ms);
    return done();
  };
  test::FfmpegProcess a(test::publish_args(url("goodkey"), "320x240", 20), log_path("place_a"));
  ASSERT_TRUE(listener_.wait_for("live", "stream-1"));
  test::FfmpegProcess b(test::publish_args(url("otherkey"), "320x240", 20), log_path("place_b"));
  ASSERT_TRUE(listener_.wait_for("live", "stream-2"));
  EXPECT_EQ(server_->connections_on(0), 1u);
  EXPECT_EQ(server_->connections_on(1), 1u);
  b.kill_hard();
  b.wait();
  ASSERT_TRUE(until([this] { return server_->connection_count() == 1; }));
  test::FfmpegProcess c(test::publish_args(url("otherkey"), "320x240", 1), log_path("place_c"));
  ASSERT_TRUE(listener_.wait_for("resumed", "stream-2"));
  EXPECT_EQ(server_->connections_on(0), 1u);
  EXPECT_EQ(server_->connections_on(1), 1u);
  EXPECT_EQ(c.wait(), 0) << c.log();
  a.kill_hard();
  a.wait();
  EXPECT_TRUE(until([this] { return server_->connection_count() == 0; }));
  EXPECT_EQ(server_->connections_on(0) + server_->connections_on(1), 0u);
}

TEST_F(RtmpServerE2E, PublisherThatDropsAndComesBackWithinGraceContinuesTheHub) {
  start({.grace_period = 5s});
  test::FfmpegProcess first(test::publish_args(url("goodkey"), "320x240", 20), log_path("drop_first"));
  ASSERT_TRUE(listener_.wait_for("live", "stream-1"));
  auto hub = registry_->hub("stream-1");
  // Let some frames through, then cut the connection without any goodbye.
  auto sink = listener_.sink("stream-1");
  for (int i = 0; i < 200 && sink->with_lock([](auto& s) { return s.frames.size(); }) < 30; ++i) {
    std::this_thread::sleep_for(20ms);
  }
  first.kill_hard();
  first.wait();
  ASSERT_TRUE(listener_.wait_for("interrupted", "stream-1"));
  const size_t before = sink->with_lock([](auto& s) { return s.frames.size(); });
  EXPECT_GE(before, 30u);

  test::FfmpegProcess second(test::publish_args(url("goodkey"), "320x240", 1), log_path("drop_second"));
  EXPECT_EQ(second.wait(), 0) << second.log();
  ASSERT_TRUE(listener_.wait_for("resumed", "stream-1"));
  EXPECT_EQ(registry_->hub("stream-1"), hub);
  EXPECT_EQ(listener_.count("ended", "stream-1"), 0u);
  sink->with_lock([&](test::RecordingSink& s) {
    EXPECT_EQ(s.discontinuities, 1);
    ASSERT_EQ(s.frames_at_discontinuity.size(), 1u);
    EXPECT_EQ(s.frames_at_discontinuity[0], before);
    EXPECT_GT(s.frames.size(), before + 60);  // the second publisher's second of media
    // The new publisher's timeline restarts after the discontinuity.
    const auto& first_after = s.frames[before];
    EXPECT_LT(first_after->dts, media::kTimescale / 10);
    EXPECT_EQ(s.ends, 0);
  });
  EXPECT_EQ(registry_->stats("stream-1")->reconnects, 1u);
}

TEST_F(RtmpServerE2E, PublisherGoneBeyondGraceEndsTheStream) {
  start({.grace_period = 200ms});
  test::FfmpegProcess first(test::publish_args(url("goodkey"), "320x240", 1), log_path("grace_first"));
  EXPECT_EQ(first.wait(), 0) << first.log();
  ASSERT_TRUE(listener_.wait_for("ended", "stream-1"));
  EXPECT_EQ(listener_.events_snapshot().back().reason, "publisher_gone");
  EXPECT_EQ(listener_.sink("stream-1")->with_lock([](auto& s) { return s.ends; }), 1);
  // Publishing again later starts a new stream.
  test::FfmpegProcess again(test::publish_args(url("goodkey"), "320x240", 1), log_path("grace_again"));
  EXPECT_EQ(again.wait(), 0) << again.log();
  EXPECT_TRUE(listener_.wait_for("live", "stream-1", 2));
  EXPECT_EQ(listener_.count("resumed", "stream-1"), 0u);
}

TEST_F(RtmpServerE2E, EndStreamDisconnectsThePublisher) {
  start({.grace_period = 5s});
  test::FfmpegProcess ffmpeg(test::publish_args(url("goodkey"), "320x240", 20), log_path("end_stream"));
  ASSERT_TRUE(listener_.wait_for("live", "stream-1"));
  EXPECT_TRUE(registry_->end_stream("stream-1"));
  EXPECT_NE(ffmpeg.wait(20s), 0);  // ffmpeg fails once the server closed on it
  EXPECT_EQ(listener_.events_snapshot().back().reason, "ended");
  EXPECT_FALSE(registry_->is_live("stream-1"));
}

Bytes concat(ByteSpan a, ByteSpan b) {
  ByteWriter w;
  w.bytes(a);
  w.bytes(b);
  return w.take();
}

// A second, independent RTMP client: GStreamer's rtmp2sink (gstreamer1.0-plugins-bad), when the
// machine has it.
TEST_F(RtmpServerE2E, GstreamerRtmp2SinkPublishes) {
  if (access("/usr/bin/gst-launch-1.0", X_OK) != 0) GTEST_SKIP() << "gst-launch-1.0 is not installed";
  start({.grace_period = 200ms});
  test::ChildProcess gst(
      {"/usr/bin/gst-launch-1.0", "-q", "-e", "videotestsrc", "num-buffers=60", "is-live=true", "!",
       "video/x-raw,width=640,height=360,framerate=30/1", "!", "x264enc", "tune=zerolatency",
       "key-int-max=30", "!", "h264parse", "!", "flvmux", "name=m", "streamable=true", "!",
       "rtmp2sink", "location=" + url("goodkey"), "audiotestsrc", "is-live=true", "num-buffers=94",
       "samplesperbuffer=1024", "!", "audio/x-raw,rate=48000,channels=2", "!", "audioconvert", "!",
       "avenc_aac", "!", "aacparse", "!", "m."},
      log_path("gstreamer"));
  ASSERT_EQ(gst.wait(), 0) << gst.log();
  ASSERT_TRUE(listener_.wait_for("ended", "stream-1"));
  listener_.sink("stream-1")->with_lock([](test::RecordingSink& s) {
    ASSERT_FALSE(s.configs.empty());
    const auto& config = s.configs.back();
    ASSERT_TRUE(config.video && config.audio);
    EXPECT_EQ(config.video->width, 640);
    EXPECT_EQ(config.video->height, 360);
    EXPECT_EQ(config.audio->sample_rate, 48000);
    EXPECT_EQ(config.audio->channels, 2);
    const auto video = std::count_if(s.frames.begin(), s.frames.end(),
                                     [](auto& f) { return f->kind == media::TrackKind::Video; });
    EXPECT_NEAR(static_cast<double>(video), 60, 2);
  });
}

// Opens a raw TCP connection, sends `bytes`, and reports whether the server closed it within 5 s.
bool server_closes_after(uint16_t port, const Bytes& bytes, bool half_close = false) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  boost::system::error_code ec;
  asio::write(socket, asio::buffer(bytes), ec);
  if (half_close) socket.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  // Drain whatever the server answers (S0-S2) until it closes; poll() bounds the wait.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  std::array<uint8_t, 4096> buf;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd pfd{socket.native_handle(), POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) return false;
    socket.read_some(asio::buffer(buf), ec);
    if (ec) return ec == asio::error::eof || ec == asio::error::connection_reset;
  }
}

TEST_F(RtmpServerE2E, GarbageTruncationAndStallsAreClosedAndTheServerKeepsServing) {
  RtmpServerOptions options;
  options.handshake_timeout = 500ms;
  options.idle_timeout = 500ms;
  options.max_message_size = 1024 * 1024;
  start({.grace_period = 100ms}, options);
  std::mt19937 rng(42);
  Bytes random(8192);
  for (auto& b : random) b = static_cast<uint8_t>(rng());
  random[0] = 0x47;  // not version 3
  EXPECT_TRUE(server_closes_after(server_->port(), random));

  // An HTTP request on the RTMP port.
  const std::string http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n" + std::string(1600, ' ');
  EXPECT_TRUE(server_closes_after(server_->port(), Bytes(http.begin(), http.end())));

  // ffmpeg's real session cut in the middle of a chunk, then silence: the idle timeout closes.
  const Bytes c2s = test::ffmpeg_c2s();
  EXPECT_TRUE(server_closes_after(server_->port(), Bytes(c2s.begin(), c2s.begin() + 3200)));

  // A valid handshake followed by random chunk bytes.
  const ByteSpan handshake = ByteSpan(c2s).first(kC0C1Size + kHandshakeSize);
  EXPECT_TRUE(server_closes_after(server_->port(), concat(handshake, random)));

  // A chunk header announcing a message larger than the limit (1 MiB here): closed at once.
  const Bytes header = {0x04, 0, 0, 0, 0xff, 0xff, 0xff, 9, 1, 0, 0, 0};
  EXPECT_TRUE(server_closes_after(server_->port(), concat(handshake, header)));

  // A client that connects and never sends a byte.
  EXPECT_TRUE(server_closes_after(server_->port(), Bytes{}));
  // One that sends half a C1 and hangs up.
  EXPECT_TRUE(server_closes_after(server_->port(), Bytes(c2s.begin(), c2s.begin() + 700), true));

  EXPECT_GE(counter("stagecast_rtmp_protocol_errors_total"), 3u);
  EXPECT_GE(counter("stagecast_rtmp_timeouts_total"), 1u);
  EXPECT_TRUE(listener_.events_snapshot().empty());

  // A good publisher right after all that.
  test::FfmpegProcess good(test::publish_args(url("goodkey"), "320x240", 1), log_path("after_garbage"));
  EXPECT_EQ(good.wait(), 0) << good.log();
  EXPECT_TRUE(listener_.wait_for("live", "stream-1"));
  for (int i = 0; i < 100 && server_->connection_count() > 0; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(server_->connection_count(), 0u);
}

}  // namespace
}  // namespace stagecast::ingest::rtmp
