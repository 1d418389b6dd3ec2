// Analytics storage (docs/analytics.md): visits written in batches and listed, a stream's figures
// and buckets, and a final summary that a late live write never replaces.

#include "store_fixture.h"

namespace stagecast::store::testing {
namespace {

STAGECAST_STORE_SUITE(AnalyticsRepositoryTest);

TEST_P(AnalyticsRepositoryTest, VisitsAreUpsertedTogetherAndListedByJoinTime) {
  User artist = make_user("artist@example.com", Role::kArtist);
  LiveStream s = make_stream(artist.id, "hash-analytics-rows");
  StreamViewer a{"row-a",      s.id, "user-a",     std::nullopt,          2000,
                 std::nullopt, 0,    std::nullopt, std::string("desktop")};
  StreamViewer b{"row-b",
                 s.id,
                 std::nullopt,
                 "sid-b",
                 1000,
                 4000,
                 3000,
                 std::string("720p"),
                 std::string("other")};
  ASSERT_TRUE(store().viewers().save_all({a, b}).ok());
  a.left_at = 9000;
  a.watch_ms = 7000;
  a.rendition = "360p";
  ASSERT_TRUE(store().viewers().save_all({a}).ok());  // the visit closed: replaced
  auto rows = store().viewers().list_for_stream(s.id, 10);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].id, "row-b");
  EXPECT_EQ((*rows)[0].rendition, "720p");
  EXPECT_EQ((*rows)[1].left_at, 9000);
  EXPECT_EQ((*rows)[1].watch_ms, 7000);
  EXPECT_EQ((*rows)[1].rendition, "360p");
  EXPECT_EQ((*rows)[1].device, "desktop");
  EXPECT_EQ(store().viewers().list_for_stream(s.id, 1)->size(), 1u);
  auto stats = store().viewers().stats_for_stream(s.id);
  EXPECT_EQ(stats->unique_viewers, 2);
  EXPECT_EQ(stats->watch_ms, 10'000);
}

TEST_P(AnalyticsRepositoryTest, FiguresAndBucketsAndAFinalSummaryThatStays) {
  User artist = make_user("artist@example.com", Role::kArtist);
  LiveStream s = make_stream(artist.id, "hash-analytics-figures");
  EXPECT_EQ(store().analytics().find(s.id).error().code, "not_found");
  StreamAnalytics f;
  f.stream_id = s.id;
  f.started_at = 1000;
  f.bucket_ms = 60'000;
  f.viewers_now = 3;
  f.peak_viewers = 4;
  f.peak_at = 5000;
  f.unique_viewers = 6;
  f.watch_ms = 120'000;
  f.tips_count = 1;
  f.tips_gross = 1000;
  f.tips_fee = 50;
  f.tips_net = 950;
  f.currency = "usd";
  f.updated_at = 70'000;
  ASSERT_TRUE(*store().analytics().save(f, {{0, 4, 2, 1, 1000}, {1, 3, 0, 0, 0}}));
  ASSERT_TRUE(*store().analytics().save(f, {{1, 3, 5, 0, 0}}));  // bucket 1 changed
  auto stored = store().analytics().find(s.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->final);
  EXPECT_EQ(stored->peak_at, 5000);
  EXPECT_EQ(stored->tips_net, 950);
  EXPECT_EQ(stored->currency, "usd");
  auto buckets = store().analytics().buckets(s.id);
  ASSERT_EQ(buckets->size(), 2u);
  EXPECT_EQ((*buckets)[0].tips_gross, 1000);
  EXPECT_EQ((*buckets)[1].messages, 5);

  StreamAnalytics summary = f;
  summary.final = true;
  summary.ended_at = 80'000;
  summary.viewers_now = 0;
  ASSERT_TRUE(*store().analytics().save(summary, {}));
  EXPECT_FALSE(*store().analytics().save(f, {{2, 9, 9, 9, 9}})) << "a live write after the end";
  stored = store().analytics().find(s.id);
  EXPECT_TRUE(stored->final);
  EXPECT_EQ(stored->viewers_now, 0);
  EXPECT_EQ(store().analytics().buckets(s.id)->size(), 2u);
}

}  // namespace
}  // namespace stagecast::store::testing
