// Subscriptions and tickets: the data the access policy reads.

#include "store_fixture.h"

namespace stagecast::store::testing {
namespace {

STAGECAST_STORE_SUITE(AccessDataRepositoryTest);

TEST_P(AccessDataRepositoryTest, SubscriptionUpsertReplacesTierAndStatusOfThePair) {
  int64_t now = clock_.unix_millis();
  Subscription s{"fan-1", "artist-1", 2, SubscriptionStatus::kActive, now + 86'400'000, now, now};
  auto created = store().subscriptions().upsert(s);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->tier, 2);

  Subscription change = s;
  change.tier = 3;
  change.expires_at.reset();
  change.created_at = now + 10;
  change.updated_at = now + 10;
  auto updated = store().subscriptions().upsert(change);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->tier, 3);
  EXPECT_FALSE(updated->expires_at.has_value());
  EXPECT_EQ(updated->created_at, now);
  EXPECT_EQ(updated->updated_at, now + 10);

  Subscription bad = s;
  bad.tier = 0;
  EXPECT_EQ(store().subscriptions().upsert(bad).error().code, "invalid_argument");
  EXPECT_EQ(store().subscriptions().find("fan-2", "artist-1").error().code, "not_found");
}

TEST_P(AccessDataRepositoryTest, ActiveSubscribersExcludeCanceledAndExpired) {
  int64_t now = clock_.unix_millis();
  auto put = [&](const std::string& fan, SubscriptionStatus st, std::optional<int64_t> exp) {
    ASSERT_TRUE(store().subscriptions().upsert({fan, "artist-1", 1, st, exp, now, now}).ok());
  };
  put("fan-a", SubscriptionStatus::kActive, std::nullopt);
  put("fan-b", SubscriptionStatus::kActive, now + 1000);
  put("fan-c", SubscriptionStatus::kActive, now - 1);
  put("fan-d", SubscriptionStatus::kCanceled, std::nullopt);
  put("fan-e", SubscriptionStatus::kExpired, std::nullopt);
  ASSERT_TRUE(store()
                  .subscriptions()
                  .upsert({"fan-a", "artist-2", 1, SubscriptionStatus::kActive, {}, now, now})
                  .ok());

  auto active = store().subscriptions().list_active_for_artist("artist-1", now);
  ASSERT_TRUE(active.ok());
  std::vector<std::string> fans;
  for (const auto& s : *active) fans.push_back(s.fan_id);
  EXPECT_EQ(fans, (std::vector<std::string>{"fan-a", "fan-b"}));

  auto of_fan = store().subscriptions().list_for_fan("fan-a");
  ASSERT_TRUE(of_fan.ok());
  EXPECT_EQ(of_fan->size(), 2u);
}

TEST_P(AccessDataRepositoryTest, OnlyATicketThatAdmitsCounts) {
  User artist = make_user("artist@example.com", Role::kArtist);
  LiveStream s = make_stream(artist.id, "hash-paid");
  EXPECT_FALSE(*store().tickets().has_paid_ticket(s.id, "fan-1"));
  StreamTicket pending;
  pending.stream_id = s.id;
  pending.fan_id = "fan-1";
  pending.amount_cents = 999;
  pending.fee_cents = 50;
  pending.provider = "stripe";
  pending.created_at = pending.updated_at = 1;
  ASSERT_TRUE(store().tickets().open_purchase(pending).ok());
  EXPECT_FALSE(*store().tickets().has_paid_ticket(s.id, "fan-1"));
  auto granted = store().tickets().grant(s.id, "fan-1", TicketSource::kGrant, "admin", "usd", 5);
  ASSERT_TRUE(granted.ok());
  EXPECT_TRUE(granted->ticket.admits());
  EXPECT_EQ(granted->ticket.created_at, 1);
  EXPECT_TRUE(*store().tickets().has_paid_ticket(s.id, "fan-1"));
  EXPECT_FALSE(*store().tickets().has_paid_ticket(s.id, "fan-2"));
  EXPECT_EQ(store().tickets().list_for_stream(s.id)->size(), 1u);
  EXPECT_EQ(store().tickets().find(s.id, "fan-2").error().code, "not_found");
  EXPECT_EQ(
      store().tickets().grant("no-stream", "fan-1", TicketSource::kComp, "x", "usd", 1).error().code,
      "invalid_argument");
}

}  // namespace
}  // namespace stagecast::store::testing
