// The notification outbox (docs/notifications.md): idempotent writes keyed per user, stream and
// channel; in-app lists that ignore other channels; channel settings with defaults.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "old_schema.h"
#include "store_fixture.h"

namespace stagecast::store::testing {
namespace {

STAGECAST_STORE_SUITE(NotificationRepositoryTest);

Notification outbox_row(const std::string& user, const std::string& stream,
                        NotificationChannel channel, int64_t at) {
  Notification n;
  n.user_id = user;
  n.kind = "stream_live";
  n.payload = "{}";
  n.created_at = at;
  n.stream_id = stream;
  n.channel = channel;
  n.idempotency_key = "stream_live:" + stream + ":" + user + ":" + std::string(to_string(channel));
  n.status = channel == NotificationChannel::kInApp ? NotificationStatus::kSent
                                                    : NotificationStatus::kPending;
  n.next_attempt_at = at;
  return n;
}

TEST_P(NotificationRepositoryTest, EnqueueWritesEachKeyOnceAndReturnsOnlyTheNewRows) {
  std::vector<Notification> batch;
  for (int i = 0; i < 3; ++i) {
    batch.push_back(outbox_row("fan-" + std::to_string(i), "s1", NotificationChannel::kInApp, 10));
  }
  auto first = store().notifications().enqueue(batch);
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_EQ(first->size(), 3u);
  EXPECT_FALSE((*first)[0].id.empty());

  // A second went_live (another node, a retry) with one more subscriber: only that one is new.
  batch.push_back(outbox_row("fan-3", "s1", NotificationChannel::kInApp, 20));
  auto second = store().notifications().enqueue(batch);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].user_id, "fan-3");

  auto stored = store().notifications().find((*first)[0].id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->idempotency_key, "stream_live:s1:fan-0:IN_APP");
  EXPECT_EQ(stored->stream_id, std::optional<std::string>("s1"));
  EXPECT_EQ(stored->status, NotificationStatus::kSent);
  EXPECT_EQ(stored->attempts, 0);

  // create() is not forgiving: the same key twice is a conflict.
  EXPECT_EQ(store().notifications().create(batch[0]).error().code, "conflict");
}

TEST_P(NotificationRepositoryTest, InAppListCountAndReadIgnoreOtherChannels) {
  ASSERT_TRUE(store()
                  .notifications()
                  .enqueue({outbox_row("fan-1", "s1", NotificationChannel::kInApp, 10),
                            outbox_row("fan-1", "s1", NotificationChannel::kEmail, 10),
                            outbox_row("fan-1", "s2", NotificationChannel::kInApp, 20)})
                  .ok());
  auto list = store().notifications().list_for_user("fan-1", 10, false, std::nullopt);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].stream_id, std::optional<std::string>("s2"));  // newest first
  EXPECT_EQ(*store().notifications().count_unread("fan-1"), 2);

  auto all =
      store().notifications().enqueue({outbox_row("fan-1", "s1", NotificationChannel::kEmail, 10)});
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST_P(NotificationRepositoryTest, SettingsDefaultToEverythingOnAndArePerUser) {
  auto none = store().notifications().settings("fan-1");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->in_app);
  EXPECT_TRUE(none->email);
  EXPECT_EQ(none->updated_at, 0);

  NotificationSettings off{"fan-1", false, true, 50};
  ASSERT_TRUE(store().notifications().put_settings(off).ok());
  off.email = false;
  off.updated_at = 60;
  ASSERT_TRUE(store().notifications().put_settings(off).ok());
  auto got = store().notifications().settings("fan-1");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->in_app);
  EXPECT_FALSE(got->email);
  EXPECT_EQ(got->updated_at, 60);
  EXPECT_TRUE(store().notifications().settings("fan-2")->in_app);
}

TEST_P(NotificationRepositoryTest, ARestartTakesBackOnlyItsOwnEarlierInstancesLeases) {
  auto& repo = store().notifications();
  ASSERT_TRUE(repo.enqueue({outbox_row("fan-1", "s1", NotificationChannel::kEmail, 100),
                            outbox_row("fan-2", "s1", NotificationChannel::kEmail, 100),
                            outbox_row("fan-3", "s1", NotificationChannel::kEmail, 100),
                            outbox_row("fan-4", "s1", NotificationChannel::kPush, 100)})
                  .ok());
  const LeaseHolder a_old{"node-a", "run-1"}, a_new{"node-a", "run-2"}, b{"node-b", "run-1"};
  auto in_flight = repo.claim_due(NotificationChannel::kEmail, 100, 1, 270'000, a_old);
  ASSERT_EQ(in_flight->size(), 1u);
  ASSERT_EQ(repo.claim_due(NotificationChannel::kEmail, 100, 1, 270'000, b)->size(), 1u);
  auto backed_off = repo.claim_due(NotificationChannel::kEmail, 100, 1, 270'000, a_old);
  ASSERT_EQ(backed_off->size(), 1u);
  // A transient failure written: PENDING with its backoff, the lease over.
  ASSERT_TRUE(repo.mark_attempt_failed(backed_off->at(0).id, "421", 5'000).ok());
  ASSERT_EQ(repo.claim_due(NotificationChannel::kPush, 100, 1, 90'000, a_old)->size(), 1u);

  // node-a restarts (run-2) at 1,000: its own email lease is due at once; node-b's (alive, as
  // far as anyone knows) keeps its lease; the backoff stays a backoff; push is another channel.
  EXPECT_EQ(*repo.reclaim_leases(NotificationChannel::kEmail, a_new, 1'000), 1);
  auto now_due = repo.claim_due(NotificationChannel::kEmail, 1'000, 10, 270'000, a_new);
  ASSERT_EQ(now_due->size(), 1u);
  EXPECT_EQ(now_due->at(0).id, in_flight->at(0).id);
  EXPECT_EQ(now_due->at(0).attempts, 2);  // the crashed attempt counts
  // Its own current lease is never taken back, nor node-b's, a second time either.
  EXPECT_EQ(*repo.reclaim_leases(NotificationChannel::kEmail, a_new, 2'000), 0);
  EXPECT_EQ(*repo.reclaim_leases(NotificationChannel::kPush, a_new, 2'000), 1);
  // Nobody named: nothing is reclaimed.
  EXPECT_EQ(*repo.reclaim_leases(NotificationChannel::kEmail, LeaseHolder{}, 2'000), 0);
  // An outcome clears the holder: a row sent is never reclaimed.
  ASSERT_TRUE(repo.mark_sent(now_due->at(0).id, 2'100).ok());
  EXPECT_EQ(
      *repo.reclaim_leases(NotificationChannel::kEmail, LeaseHolder{"node-a", "run-3"}, 3'000), 0);
  EXPECT_EQ(
      *repo.reclaim_leases(NotificationChannel::kEmail, LeaseHolder{"node-b", "run-2"}, 3'000), 1);
}

TEST_P(NotificationRepositoryTest, EmailMutesArePerUserAndArtist) {
  auto& repo = store().notifications();
  ASSERT_TRUE(repo.set_email_muted("fan-1", "artist-1", true, 10).ok());
  ASSERT_TRUE(repo.set_email_muted("fan-1", "artist-1", true, 11).ok());  // idempotent
  ASSERT_TRUE(repo.set_email_muted("fan-2", "artist-1", true, 12).ok());
  ASSERT_TRUE(repo.set_email_muted("fan-1", "artist-2", true, 13).ok());
  EXPECT_EQ(*repo.email_muted_artists("fan-1"), (std::vector<std::string>{"artist-1", "artist-2"}));
  auto by = *repo.email_muted_by("artist-1");
  std::sort(by.begin(), by.end());
  EXPECT_EQ(by, (std::vector<std::string>{"fan-1", "fan-2"}));
  EXPECT_TRUE(repo.muted_by("artist-1")->empty());  // not the all-channel mute
  ASSERT_TRUE(repo.set_email_muted("fan-1", "artist-1", false, 14).ok());
  EXPECT_EQ(*repo.email_muted_artists("fan-1"), std::vector<std::string>{"artist-2"});
  ASSERT_TRUE(repo.set_email_muted_artists("fan-1", {"artist-3"}, 15).ok());
  EXPECT_EQ(*repo.email_muted_artists("fan-1"), std::vector<std::string>{"artist-3"});
}

TEST_P(NotificationRepositoryTest, ClaimLeasesDueRowsAndRetriesEndInSentOrFailed) {
  auto rows = store().notifications().enqueue(
      {outbox_row("fan-1", "s1", NotificationChannel::kEmail, 100),
       outbox_row("fan-2", "s1", NotificationChannel::kEmail, 100),
       outbox_row("fan-3", "s1", NotificationChannel::kInApp, 100)});
  ASSERT_TRUE(rows.ok());
  auto& repo = store().notifications();
  EXPECT_EQ(*repo.next_due(NotificationChannel::kEmail), std::optional<int64_t>(100));
  EXPECT_TRUE(repo.claim_due(NotificationChannel::kEmail, 99, 10, 1000)->empty());  // not due

  auto claimed = repo.claim_due(NotificationChannel::kEmail, 100, 10, 1000);
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 2u);  // in-app rows are never claimed
  EXPECT_EQ((*claimed)[0].attempts, 1);
  // Leased: a second worker finds nothing until the lease ends (a worker that died mid-send).
  EXPECT_TRUE(repo.claim_due(NotificationChannel::kEmail, 500, 10, 1000)->empty());
  EXPECT_EQ(*repo.next_due(NotificationChannel::kEmail), std::optional<int64_t>(1100));

  const std::string a = (*claimed)[0].id, b = (*claimed)[1].id;
  ASSERT_TRUE(repo.mark_sent(a, 150).ok());
  EXPECT_EQ(repo.mark_sent(a, 160).error().code, "not_found");  // never twice
  ASSERT_TRUE(repo.mark_attempt_failed(b, "smtp_transient: 421", 300).ok());
  auto again = repo.claim_due(NotificationChannel::kEmail, 300, 10, 1000);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].attempts, 2);
  EXPECT_EQ((*again)[0].last_error, std::optional<std::string>("smtp_transient: 421"));
  ASSERT_TRUE(repo.mark_attempt_failed(b, "smtp_permanent: 550", std::nullopt).ok());
  EXPECT_EQ(repo.find(b)->status, NotificationStatus::kFailed);
  EXPECT_EQ(repo.find(a)->status, NotificationStatus::kSent);
  EXPECT_EQ(repo.find(a)->sent_at, std::optional<int64_t>(150));
  EXPECT_EQ(*repo.next_due(NotificationChannel::kEmail), std::nullopt);
}

TEST_P(NotificationRepositoryTest, FinishWritesOutcomesInOneGoAndCountsFollow) {
  auto rows = store().notifications().enqueue(
      {outbox_row("fan-1", "s1", NotificationChannel::kPush, 100),
       outbox_row("fan-2", "s1", NotificationChannel::kPush, 100),
       outbox_row("fan-3", "s1", NotificationChannel::kPush, 100),
       outbox_row("fan-1", "s1", NotificationChannel::kEmail, 100),
       outbox_row("fan-1", "s1", NotificationChannel::kInApp, 100)});
  ASSERT_TRUE(rows.ok());
  auto& repo = store().notifications();
  auto claimed = repo.claim_due(NotificationChannel::kPush, 100, 10, 1000);
  ASSERT_EQ(claimed->size(), 3u);
  const std::string a = (*claimed)[0].id, b = (*claimed)[1].id, c = (*claimed)[2].id;
  ASSERT_TRUE(repo.finish({DeliveryOutcome{a, true, 150, "", std::nullopt},
                           DeliveryOutcome{b, false, 150, "push service answered 429", 2150},
                           DeliveryOutcome{c, false, 150, "subscription gone (410)", std::nullopt}})
                  .ok());
  EXPECT_EQ(repo.find(a)->status, NotificationStatus::kSent);
  EXPECT_EQ(repo.find(a)->sent_at, std::optional<int64_t>(150));
  EXPECT_EQ(repo.find(b)->status, NotificationStatus::kPending);
  EXPECT_EQ(repo.find(b)->next_attempt_at, 2150);
  EXPECT_EQ(repo.find(b)->last_error, std::optional<std::string>("push service answered 429"));
  EXPECT_EQ(repo.find(c)->status, NotificationStatus::kFailed);
  // A row no longer PENDING is left as it is.
  ASSERT_TRUE(repo.finish({DeliveryOutcome{a, false, 160, "late", std::nullopt}}).ok());
  EXPECT_EQ(repo.find(a)->status, NotificationStatus::kSent);
  EXPECT_TRUE(repo.finish({}).ok());

  std::map<std::pair<NotificationChannel, NotificationStatus>, int64_t> counts;
  const auto rows_now = repo.outbox_counts();
  ASSERT_TRUE(rows_now.ok());
  for (const OutboxCount& o : *rows_now) counts[{o.channel, o.status}] = o.count;
  EXPECT_EQ(counts, (std::map<std::pair<NotificationChannel, NotificationStatus>, int64_t>{
                        {{NotificationChannel::kPush, NotificationStatus::kSent}, 1},
                        {{NotificationChannel::kPush, NotificationStatus::kPending}, 1},
                        {{NotificationChannel::kPush, NotificationStatus::kFailed}, 1},
                        {{NotificationChannel::kEmail, NotificationStatus::kPending}, 1}}));
}

TEST_P(NotificationRepositoryTest, PushSubscriptionsFindByIdAndRemove) {
  auto& subs = store().push_subscriptions();
  PushSubscription p{"", "fan-1", "https://push.example/1", "key", "auth", 10};
  auto stored = subs.upsert(p);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(subs.find(stored->id)->endpoint, "https://push.example/1");
  EXPECT_EQ(*subs.remove_by_endpoint("https://push.example/1"), true);
  EXPECT_EQ(subs.find(stored->id).error().code, "not_found");
}

// 0005 rebuilds notifications: rows of version 4 stay, as delivered in-app notifications.
TEST(NotificationMigration, RowsOfVersionFourStayAsSentInAppNotifications) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("stagecast-notification-migration-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string file = (dir / "old.db").string();
  write_database_at_version(
      file, 4,
      "INSERT INTO notifications (id, user_id, kind, payload, created_at, read_at) VALUES "
      "('n1', 'fan-1', 'stream_live', '{}', 5, NULL), ('n2', 'fan-1', 'tip', '{}', 6, 7);");
  if (::testing::Test::HasFailure()) return;
  ManualClock clock{1000};
  StoreOptions options;
  options.clock = &clock;
  auto store = open_store("sqlite://" + file, options);
  ASSERT_TRUE(store) << store.error().message;
  auto list = (*store)->notifications().list_for_user("fan-1", 10, false, std::nullopt);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, "n2");
  EXPECT_EQ((*list)[0].read_at, std::optional<int64_t>(7));
  EXPECT_EQ((*list)[1].idempotency_key, "n1");
  EXPECT_EQ((*list)[1].status, NotificationStatus::kSent);
  EXPECT_EQ((*list)[1].channel, NotificationChannel::kInApp);
  store->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace stagecast::store::testing
