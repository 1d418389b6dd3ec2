// Analytics (docs/analytics.md): device classes, HLS sessions from requests, people counted once
// from both sides, the peak and series from visit intervals, and the service over a real store
// (figures written, the final summary kept, a second service over the same store reading it).

#include <gtest/gtest.h>

#include "platform/analytics_service.h"
#include "platform/analytics_view.h"
#include "platform/device_class.h"
#include "platform/hls_sessions.h"
#include "platform/stream_tally.h"
#include "service_fixture.h"

namespace stagecast::platform {
namespace {

using namespace std::chrono_literals;

TEST(DeviceClass, NamesWhatTheUserAgentSays) {
  EXPECT_EQ(device_class("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                         "HeadlessChrome/120.0.0.0 Safari/537.36"),
            "desktop");
  EXPECT_EQ(device_class("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36"),
            "desktop");
  EXPECT_EQ(device_class("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) Mobile/15E148"),
            "mobile");
  EXPECT_EQ(
      device_class("Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/120 Mobile Safari/537.36"),
      "mobile");
  EXPECT_EQ(device_class("Mozilla/5.0 (Linux; Android 13; SM-X700) Chrome/120 Safari/537.36"),
            "tablet");
  EXPECT_EQ(device_class("Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X)"), "tablet");
  EXPECT_EQ(device_class("Mozilla/5.0 (SMART-TV; Linux; Tizen 7.0) AppleWebKit/537.36"), "tv");
  EXPECT_EQ(device_class("AppleCoreMedia/1.0.0.21K79 (Apple TV; U; CPU OS 17_1 like Mac OS X)"),
            "tv");
  EXPECT_EQ(device_class("Googlebot/2.1 (+http://www.google.com/bot.html)"), "bot");
  EXPECT_EQ(device_class("Lavf/59.27.100"), "other");
  EXPECT_EQ(device_class(""), "other");
  EXPECT_EQ(device_class(std::string(100'000, 'x')), "other");
}

HlsSessionIdentity anonymous(int* calls) {
  ++*calls;
  return HlsSessionIdentity{"", "other"};
}

TEST(HlsSessions, StartOnFirstRequestAndEndAfterSilenceAtTheLastRequest) {
  HlsSessionTable table(HlsSessionOptions{3'000, 100, 5'000});
  const std::string sid = "AAAAAAAAAAAAAAAAAAAAAA";
  int calls = 0;
  ASSERT_TRUE(table.touch("s1", sid, "", 1'000, [&] { return anonymous(&calls); }));
  ASSERT_TRUE(table.touch("s1", sid, "720p", 1'500, [&] { return anonymous(&calls); }));
  ASSERT_TRUE(table.touch("s1", sid, "720p", 2'500, [&] { return anonymous(&calls); }));
  ASSERT_TRUE(table.touch("s1", sid, "360p", 2'700, [&] { return anonymous(&calls); }));
  EXPECT_EQ(calls, 1) << "identified once, when it starts";
  // Another stream cannot borrow the session; malformed ids are not counted.
  EXPECT_FALSE(table.touch("s2", sid, "720p", 2'800, [&] { return anonymous(&calls); }));
  EXPECT_FALSE(table.touch("s1", "short", "720p", 2'800, [&] { return anonymous(&calls); }));
  EXPECT_FALSE(
      table.touch("s1", "BBBBBBBBBBBBBBBB%0A", "", 2'800, [&] { return anonymous(&calls); }));

  auto sweep = table.sweep(3'000);
  ASSERT_EQ(sweep.started.size(), 1u);
  EXPECT_EQ(sweep.started[0].first_ms, 1'000);
  EXPECT_TRUE(sweep.ended.empty());
  EXPECT_TRUE(table.sweep(5'700).ended.empty()) << "3 s of silence is not more than 3 s";
  sweep = table.sweep(5'701);
  ASSERT_EQ(sweep.ended.size(), 1u);
  EXPECT_TRUE(sweep.started.empty());
  EXPECT_EQ(sweep.ended[0].last_ms, 2'700);
  EXPECT_EQ(sweep.ended[0].top_rendition, "720p");  // 1000 ms against 200
  EXPECT_EQ(table.size(), 0u);
}

TEST(HlsSessions, BoundedAndEndedWithTheirStream) {
  HlsSessionTable table(HlsSessionOptions{10'000, 2, 5'000});
  int calls = 0;
  EXPECT_TRUE(table.touch("s1", "AAAAAAAAAAAAAAAA1", "", 0, [&] { return anonymous(&calls); }));
  EXPECT_TRUE(table.touch("s2", "AAAAAAAAAAAAAAAA2", "", 0, [&] { return anonymous(&calls); }));
  EXPECT_FALSE(table.touch("s1", "AAAAAAAAAAAAAAAA3", "", 0, [&] { return anonymous(&calls); }));
  table.end_stream("s1");
  auto sweep = table.sweep(100);
  ASSERT_EQ(sweep.ended.size(), 1u);
  EXPECT_EQ(sweep.ended[0].stream_id, "s1");
  EXPECT_EQ(table.size(), 1u);
}

ViewerSource user(const std::string& id) {
  ViewerSource v;
  v.person_key = id;
  v.user_id = id;
  return v;
}
ViewerSource anon_hls(const std::string& sid) {
  ViewerSource v;
  v.person_key = "hls:" + sid;
  v.session_id = sid;
  v.device = "other";
  return v;
}

TEST(StreamTally, APersonWatchingThroughHlsAndTheWebSocketCountsOnce) {
  StreamTally t("s", "artist", 0, 10'000);
  t.source_started(user("fan"), 1'000);     // WebSocket
  t.source_started(user("fan"), 800);       // their HLS session, reported a sweep later
  t.source_started(user("artist"), 1'000);  // the artist watching their own stream
  t.source_started(anon_hls("x"), 2'000);
  EXPECT_EQ(t.viewers_now(), 2);
  t.source_ended("fan", 30'000);  // the page closed
  EXPECT_EQ(t.viewers_now(), 2) << "their HLS session is still alive";
  t.source_ended("fan", 29'600, {{"720p", 20'000}, {"360p", 5'000}});
  t.source_ended("hls:x", 12'000);
  EXPECT_EQ(t.viewers_now(), 0);
  const auto rows = t.take_changed_rows();
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& r : rows) {
    if (r.user_id) {
      EXPECT_EQ(r.joined_at, 800);
      EXPECT_EQ(*r.left_at, 30'000);
      EXPECT_EQ(r.watch_ms, 29'200);
      EXPECT_EQ(r.rendition, "720p");
    } else {
      EXPECT_EQ(r.watch_ms, 10'000);
      EXPECT_EQ(r.device, "other");
    }
  }
  // Back again later: a second visit, still one unique viewer.
  t.source_started(user("fan"), 40'000);
  t.end(45'000);
  const auto f = t.figures(50'000);
  EXPECT_TRUE(f.final);
  EXPECT_EQ(f.unique_viewers, 2);
  EXPECT_EQ(f.watch_ms, 29'200 + 10'000 + 5'000);
  EXPECT_EQ(f.peak_viewers, 2);
  EXPECT_EQ(f.peak_at, 2'000);
  EXPECT_EQ(f.updated_at, 45'000);
}

TEST(StreamTally, ThePeakAndTheSeriesComeFromTheVisitsIntervals) {
  StreamTally t("s", "artist", 0, 10'000);
  t.source_started(anon_hls("a"), 1'000);
  t.source_started(anon_hls("b"), 12'000);
  t.source_started(anon_hls("c"), 13'000);
  t.source_ended("hls:a", 12'000);  // back to back with b: never three at once
  t.chat_message("u1", 15'000);
  t.chat_message("u1", 16'000);
  t.tip(1000, 50, "usd", 25'000);
  t.source_ended("hls:b", 22'000);
  const auto f = t.figures(31'000);
  EXPECT_EQ(f.peak_viewers, 2);
  EXPECT_EQ(f.peak_at, 13'000);
  EXPECT_EQ(f.chatters, 1);
  EXPECT_EQ(f.messages, 2);
  EXPECT_EQ(f.tips_net, 950);
  const auto b = t.buckets(31'000);
  ASSERT_EQ(b.size(), 4u);
  EXPECT_EQ(b[0].viewers, 1);
  EXPECT_EQ(b[1].viewers, 2);
  EXPECT_EQ(b[1].messages, 2);
  EXPECT_EQ(b[2].viewers, 2) << "b until 22 s, c still there";
  EXPECT_EQ(b[2].tips, 1);
  EXPECT_EQ(b[2].tips_gross, 1000);
  EXPECT_EQ(b[3].viewers, 1);
}

class AnalyticsServiceTest : public testing::ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    artist_ = verified_artist("artist@example.com");
    StreamInput in;
    in.title = "Show";
    stream_id_ = streams().create(artist_, in).value().stream.id;
    AnalyticsOptions o;
    o.sessions.silence_ms = 2'000;
    o.bucket_ms = 60'000;
    analytics_ = std::make_unique<AnalyticsService>(*store_, clock_, o);
    streams().add_listener(*analytics_);
  }

  void hls(const std::string& sid, const std::string& user_id = "") {
    analytics_->sessions().touch(stream_id_, sid, "source", clock_.unix_millis(), [&] {
      return HlsSessionIdentity{user_id, "desktop"};
    });
  }

  Identity artist_;
  std::string stream_id_;
  std::unique_ptr<AnalyticsService> analytics_;
};

TEST_F(AnalyticsServiceTest, FiguresAreWrittenAndTheSummaryIsKeptOnce) {
  ASSERT_TRUE(streams().mark_live(stream_id_).ok());
  const std::string a = "AAAAAAAAAAAAAAAAAAAAAA", b = "BBBBBBBBBBBBBBBBBBBBBB";
  hls(a);
  hls(b, "fan-1");
  analytics_->presence_started(stream_id_, user("fan-1"), clock_.unix_millis());
  analytics_->tick();
  EXPECT_EQ(analytics_->viewers_now(stream_id_), 2);
  ASSERT_NE(analytics_->live_json(stream_id_), nullptr);
  for (int i = 0; i < 10; ++i) {
    clock_.advance(1s);
    hls(a);
    hls(b, "fan-1");
    analytics_->tick();
  }
  clock_.advance(500ms);
  analytics_->presence_ended(stream_id_, "fan-1", clock_.unix_millis());
  analytics_->chat_message(stream_id_, "fan-1", clock_.unix_millis());
  clock_.advance(3s);  // both sessions fall silent after their last request (10 s in)
  analytics_->tick();
  auto live = analytics_->report(stream_id_);
  ASSERT_TRUE(live.ok());
  EXPECT_FALSE(live->figures.final);
  EXPECT_EQ(live->figures.viewers_now, 0);
  EXPECT_EQ(live->figures.unique_viewers, 2);
  EXPECT_EQ(live->figures.peak_viewers, 2);
  EXPECT_EQ(live->figures.watch_ms, 10'000 + 10'500);
  EXPECT_EQ(live->figures.messages, 1);
  auto rows = store_->viewers().list_for_stream(stream_id_, 10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ(store_->streams().find(stream_id_)->peak_viewers, 2);

  ASSERT_TRUE(streams().mark_ended(stream_id_, "publisher_gone").ok());
  analytics_->tick();
  auto final = analytics_->report(stream_id_);
  ASSERT_TRUE(final.ok());
  EXPECT_TRUE(final->figures.final);
  EXPECT_EQ(final->figures.watch_ms, live->figures.watch_ms);
  EXPECT_EQ(final->figures.peak_at, live->figures.peak_at);
  // A live save after the end never replaces the summary.
  store::StreamAnalytics stale = live->figures;
  EXPECT_FALSE(*store_->analytics().save(stale, {}));

  // Another process over the same store reads the same.
  AnalyticsService fresh(*store_, clock_, AnalyticsOptions{});
  auto again = fresh.report(stream_id_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(analytics_json(again->figures, again->buckets),
            analytics_json(final->figures, final->buckets));
  EXPECT_EQ(analytics_csv(again->figures, again->buckets).substr(0, 45),
            "bucket,start,viewers,messages,tips,tips_cents");
}

TEST_F(AnalyticsServiceTest, AStreamEndedWithoutItsTallyKeepsItsLastFigures) {
  ASSERT_TRUE(streams().mark_live(stream_id_).ok());
  hls("AAAAAAAAAAAAAAAAAAAAAA");
  analytics_->tick();
  clock_.advance(1s);
  hls("AAAAAAAAAAAAAAAAAAAAAA");
  clock_.advance(4s);
  hls("AAAAAAAAAAAAAAAAAAAAAA");
  analytics_->tick();  // still watching: its figures written at 5 s
  // A killed run: a new service (no tally) is told at the next start that the stream ended.
  AnalyticsService restarted(*store_, clock_, AnalyticsOptions{});
  clock_.advance(60s);
  store::LiveStream ended = store_->streams().find(stream_id_).value();
  ended.status = store::StreamStatus::kEnded;
  ended.ended_at = clock_.unix_millis();
  restarted.ended(ended, "interrupted");
  restarted.tick();
  auto f = restarted.report(stream_id_);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->figures.final);
  EXPECT_EQ(f->figures.viewers_now, 0);
  EXPECT_EQ(f->figures.unique_viewers, 1);
  auto rows = store_->viewers().list_for_stream(stream_id_, 10);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].watch_ms, 5'000) << "ended at the last figures written, not the restart";
}

}  // namespace
}  // namespace stagecast::platform
