// Schema migrations and restarts, against every backend.

#include "store_fixture.h"
#include "store/migrations.h"

namespace stagecast::store::testing {
namespace {

STAGECAST_STORE_SUITE(MigrationTest);

TEST_P(MigrationTest, EveryEmbeddedMigrationIsAppliedAndRecordedOnce) {
  auto applied = store().applied_migrations();
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  auto embedded = embedded_migrations();
  ASSERT_EQ(applied->size(), embedded.size());
  for (size_t i = 0; i < embedded.size(); ++i) {
    EXPECT_EQ((*applied)[i].version, embedded[i].version);
    EXPECT_EQ((*applied)[i].name, embedded[i].name);
    EXPECT_EQ((*applied)[i].applied_at, clock_.unix_millis());
  }
  EXPECT_EQ(applied->front().name, "0001_init");
}

TEST_P(MigrationTest, ReopeningDoesNotApplyMigrationsAgain) {
  if (!GetParam().persistent) GTEST_SKIP() << "in-memory database does not survive a reopen";
  int64_t first_applied_at = clock_.unix_millis();
  clock_.advance(std::chrono::hours(1));
  reopen();
  auto applied = store().applied_migrations();
  ASSERT_TRUE(applied.ok());
  ASSERT_EQ(applied->size(), embedded_migrations().size());
  EXPECT_EQ(applied->front().applied_at, first_applied_at);
}

TEST_P(MigrationTest, RestartKeepsAllData) {
  if (!GetParam().persistent) GTEST_SKIP() << "in-memory database does not survive a reopen";
  User artist = make_user("Artist@Example.com", Role::kArtist);
  User fan = make_user("fan@example.com");
  LiveStream s = make_stream(artist.id, "hash-restart");
  ASSERT_TRUE(store().streams().mark_live(s.id, clock_.unix_millis()).ok());
  ChatMessage m;
  m.stream_id = s.id;
  m.user_id = fan.id;
  m.display_name = "fan";
  m.body = "hello before the restart";
  m.created_at = clock_.unix_millis();
  ASSERT_TRUE(store().chat().append(m).ok());
  Tip t;
  t.stream_id = s.id;
  t.fan_id = fan.id;
  t.artist_id = artist.id;
  t.amount_cents = 500;
  t.fee_cents = 25;
  t.provider = "sandbox";
  t.idempotency_key = "restart-tip";
  t.created_at = t.updated_at = clock_.unix_millis();
  auto tip = store().tips().create_pending(t);
  ASSERT_TRUE(tip.ok());
  ASSERT_TRUE(store().tips().transition(tip->id, TipStatus::kSucceeded, clock_.unix_millis()).ok());

  reopen();

  auto u = store().users().find_by_email("artist@example.com");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->id, artist.id);
  EXPECT_EQ(u->stripe_account_id, artist.stripe_account_id);
  auto again = store().streams().find_by_key_hash("hash-restart");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, StreamStatus::kLive);
  EXPECT_EQ(again->tip_count, 1);
  EXPECT_EQ(again->tip_gross_cents, 500);
  EXPECT_EQ(again->chat_message_count, 1);
  auto chat = store().chat().recent(s.id, 50);
  ASSERT_TRUE(chat.ok());
  ASSERT_EQ(chat->size(), 1u);
  EXPECT_EQ(chat->front().body, "hello before the restart");
  auto tip_again = store().tips().find_by_idempotency_key("restart-tip");
  ASSERT_TRUE(tip_again.ok());
  EXPECT_EQ(tip_again->status, TipStatus::kSucceeded);
}

TEST_P(MigrationTest, PingAnswers) { EXPECT_TRUE(store().ping().ok()); }

}  // namespace
}  // namespace stagecast::store::testing
