// Over a real socket: the Beast HTTP server with the HLS routes, a packager fed the fixture in
// real time on its own thread, and the real ffmpeg and curl as clients.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <thread>

#include "api/hls_routes.h"
#include "core/metrics.h"
#include "core/worker_pool.h"
#include "fixture_media.h"
#include "hls/hls_names.h"
#include "hls/ll_hls_packager.h"
#include "net/http_server.h"
#include "net/io_pool.h"

namespace stagecast::api {
namespace {

using namespace std::chrono_literals;

class HlsHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    add_hls_routes(router_, store_,
                   [](const std::string& stream, const net::Request&) { return stream == "live"; });
    net::HttpServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.access_log = false;
    server_ = std::make_unique<net::HttpServer>(io_, workers_, router_, metrics_, options);
    io_.start();
    server_->start();
    base_ = "http://127.0.0.1:" + std::to_string(server_->port()) + "/hls/live";
    ticker_ = std::thread([this] {
      while (!stop_) {
        store_.expire_waiters();
        std::this_thread::sleep_for(100ms);
      }
    });
  }
  void TearDown() override {
    stop_ = true;
    if (feeder_.joinable()) feeder_.join();
    ticker_.join();
    server_->stop();
    io_.stop();
    workers_.stop();
  }

  // Feeds the fixture at its own pace (as a live publisher would) on a separate thread.
  void start_live_feed() {
    feeder_ = std::thread([this] {
      hls::LlHlsConfig c;
      c.stream_id = "live";
      hls::LlHlsPackager packager(c, store_, clock_);
      packager.on_config(media_.config);
      const auto start = std::chrono::steady_clock::now();
      for (const auto& f : media_.frames) {
        if (stop_) break;
        std::this_thread::sleep_until(start + std::chrono::microseconds(f->dts * 1000 / 90));
        packager.on_frame(f);
      }
      packager.on_end();
    });
  }

  SystemClock clock_;
  hls::RenditionStore store_{clock_};
  net::Router router_;
  net::IoPool io_{2};
  WorkerPool workers_{"hls-test", 1};
  MetricsRegistry metrics_;
  std::unique_ptr<net::HttpServer> server_;
  std::string base_;
  std::atomic<bool> stop_{false};
  std::thread ticker_;
  std::thread feeder_;
  const hls::test::FixtureMedia& media_ = hls::test::shared_fixture();
};

TEST_F(HlsHttpTest, FfmpegPlaysTheLiveStreamToItsEnd) {
  start_live_feed();
  // ffmpeg knows nothing of parts: it needs one complete segment in the playlist, which a
  // blocking reload for segment 0 waits for.
  auto ready = hls::test::run_command("curl -s -o /dev/null -w '%{http_code}' '" + base_ +
                                      "/source/index.m3u8?_HLS_msn=0'");
  ASSERT_EQ(ready.output, "200");
  // Started while the stream is live: ffmpeg follows the playlist until EXT-X-ENDLIST.
  hls::test::TempDir dir;
  const auto md5 = (dir.path() / "frames.md5").string();
  auto r = hls::test::run_command("ffmpeg -v error -xerror -i " + base_ +
                                  "/master.m3u8 -map 0 -f framemd5 " + md5);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  auto count = hls::test::run_command("grep -c '^0,' " + md5);
  // ffmpeg joins a few segments behind the live edge: at least the whole of segment 1 onwards.
  EXPECT_GE(std::atoi(count.output.c_str()), 120) << count.output;
}

TEST_F(HlsHttpTest, BlockingReloadAndHintedPartOverHttp) {
  start_live_feed();
  // The first plain request waits for the stream's first part.
  auto first = hls::test::run_command("curl -s -D - " + base_ + "/source/index.m3u8");
  ASSERT_EQ(first.exit_code, 0);
  EXPECT_NE(first.output.find("200"), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("content-type: application/vnd.apple.mpegurl"), std::string::npos);
  std::smatch m;
  static const std::regex hint_re(R"re(PRELOAD-HINT:TYPE=PART,URI="part(\d+)\.(\d+)\.m4s")re");
  ASSERT_TRUE(std::regex_search(first.output, m, hint_re)) << first.output;
  const std::string msn = m[1];
  const std::string part = m[2];

  // Both held until that part exists, then answered (run concurrently, as a player does).
  std::string part_out;
  std::thread part_fetch([&] {
    part_out = hls::test::run_command("curl -s -o /dev/null -w '%{http_code} %{size_download}' " +
                                      base_ + "/source/part" + msn + "." + part + ".m4s")
                   .output;
  });
  auto reload = hls::test::run_command("curl -s '" + base_ + "/source/index.m3u8?_HLS_msn=" + msn +
                                       "&_HLS_part=" + part + "'");
  part_fetch.join();
  EXPECT_NE(reload.output.find("URI=\"part" + msn + "." + part + ".m4s\""), std::string::npos)
      << reload.output;
  EXPECT_TRUE(part_out.starts_with("200 ")) << part_out;
  EXPECT_GT(std::atoi(part_out.c_str() + 4), 1000) << part_out;
}

// For trying players by hand (hls.js, Safari, VLC): serves the fixture looped live on a fixed
// port for STAGECAST_HLS_SERVE_SECONDS seconds (default 30). Run with
// --gtest_also_run_disabled_tests --gtest_filter='*ManualPlayback*'.
TEST_F(HlsHttpTest, DISABLED_ServeLoopingStreamForManualPlayback) {
  const char* secs_env = std::getenv("STAGECAST_HLS_SERVE_SECONDS");
  const int secs = secs_env ? std::atoi(secs_env) : 30;
  std::printf("live at %s/master.m3u8 for %d s\n", base_.c_str(), secs);
  std::fflush(stdout);
  feeder_ = std::thread([this, secs] {
    hls::LlHlsConfig c;
    c.stream_id = "live";
    hls::LlHlsPackager packager(c, store_, clock_);
    packager.on_config(media_.config);
    const auto start = std::chrono::steady_clock::now();
    // One loop lasts exactly the video's span, so the video timeline stays regular; audio then
    // overlaps by a few ms per loop, which the packager absorbs.
    int64_t first_video = -1, last_video = 0;
    for (const auto& f : media_.frames) {
      if (f->kind != media::TrackKind::Video) continue;
      if (first_video < 0) first_video = f->dts;
      last_video = f->dts;
    }
    const int64_t loop = last_video - first_video + 3000;
    for (int64_t round = 0; !stop_; ++round) {
      for (const auto& f : media_.frames) {
        const int64_t dts = f->dts + round * loop;
        if (dts / 90 > secs * 1000 || stop_) {
          packager.on_end();
          return;
        }
        std::this_thread::sleep_until(start + std::chrono::microseconds(dts * 1000 / 90));
        packager.on_frame(hls::test::shifted(f, round * loop));
      }
    }
  });
  feeder_.join();
}

}  // namespace
}  // namespace stagecast::api
