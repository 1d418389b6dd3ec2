#include "store_fixture.h"

namespace stagecast::store::testing {
namespace {

STAGECAST_STORE_SUITE(UserRepositoryTest);

TEST_P(UserRepositoryTest, CreateAssignsAHexIdAndFindsByIdAndEmail) {
  User u = make_user("Mia@Example.com", Role::kArtist);
  ASSERT_EQ(u.id.size(), 32u);
  EXPECT_EQ(u.id.find_first_not_of("0123456789abcdef"), std::string::npos);

  auto by_id = store().users().find_by_id(u.id);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->email, "Mia@Example.com");  // kept as typed
  EXPECT_EQ(by_id->role, Role::kArtist);
  EXPECT_EQ(by_id->password_hash, u.password_hash);
  EXPECT_EQ(by_id->stripe_account_id, "acct_Mia");

  auto by_email = store().users().find_by_email("mia@EXAMPLE.com");
  ASSERT_TRUE(by_email.ok());
  EXPECT_EQ(by_email->id, u.id);
}

TEST_P(UserRepositoryTest, EmailIsUniqueCaseInsensitively) {
  make_user("dup@example.com");
  User again;
  again.email = "DUP@example.com";
  again.display_name = "dup2";
  auto r = store().users().create(again);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "conflict");
}

TEST_P(UserRepositoryTest, MissingUserIsNotFound) {
  auto r = store().users().find_by_id("0123456789abcdef0123456789abcdef");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "not_found");
  auto e = store().users().find_by_email("nobody@example.com");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, "not_found");
}

TEST_P(UserRepositoryTest, ValuesWithQuotesAreStoredVerbatim) {
  // Bound parameters, not SQL text: quotes and semicolons are just characters.
  User u = make_user("o'brien@example.com");
  u.display_name = "Robert'); DROP TABLE users;--";
  u.updated_at += 1;
  auto updated = store().users().update(u);
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ(updated->display_name, "Robert'); DROP TABLE users;--");
  EXPECT_TRUE(store().users().find_by_email("O'Brien@example.com").ok());
}

TEST_P(UserRepositoryTest, UpdateToATakenEmailConflictsAndUnknownIdIsNotFound) {
  make_user("a@example.com");
  User b = make_user("b@example.com");
  b.email = "A@example.com";
  auto r = store().users().update(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "conflict");

  User ghost;
  ghost.id = "ffffffffffffffffffffffffffffffff";
  ghost.email = "ghost@example.com";
  ghost.display_name = "ghost";
  auto g = store().users().update(ghost);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code, "not_found");
}

TEST_P(UserRepositoryTest, UpsertFromPlatformKeepsPasswordAndCreatedAt) {
  User local = make_user("sync@example.com");
  User synced;
  synced.id = local.id;
  synced.email = "sync@example.com";
  synced.display_name = "Synced Name";
  synced.role = Role::kArtist;
  synced.stripe_account_id = "acct_123";
  synced.created_at = local.created_at + 5000;
  synced.updated_at = local.created_at + 5000;
  auto r = store().users().upsert(synced);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->display_name, "Synced Name");
  EXPECT_EQ(r->role, Role::kArtist);
  EXPECT_EQ(r->stripe_account_id, "acct_123");
  EXPECT_EQ(r->password_hash, local.password_hash);
  EXPECT_EQ(r->created_at, local.created_at);
  EXPECT_EQ(r->updated_at, local.created_at + 5000);

  User fresh;
  fresh.id = "platform-user-7";
  fresh.email = "new@example.com";
  fresh.display_name = "New";
  auto inserted = store().users().upsert(fresh);
  ASSERT_TRUE(inserted.ok());
  EXPECT_FALSE(inserted->password_hash.has_value());
  EXPECT_TRUE(store().users().find_by_id("platform-user-7").ok());

  User clash = fresh;
  clash.id = "platform-user-8";
  clash.email = "SYNC@example.com";
  auto c = store().users().upsert(clash);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "conflict");
}

TEST_P(UserRepositoryTest, PagesOldestFirstWithRequestsAndLocalFilters) {
  User a = make_user("a@example.com");
  clock_.advance(std::chrono::milliseconds(1));
  User b = make_user("b@example.com");
  clock_.advance(std::chrono::milliseconds(1));
  User c = make_user("c@example.com");
  b.artist_requested_at = 42;
  ASSERT_TRUE(store().users().update(b).ok());
  User synced;
  synced.id = "platform-1";
  synced.email = "p@example.com";
  synced.display_name = "P";
  synced.created_at = synced.updated_at = clock_.unix_millis() + 1;
  ASSERT_TRUE(store().users().upsert(synced).ok());

  UserQuery q;
  q.limit = 2;
  auto first = store().users().list(q);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].id, a.id);
  EXPECT_EQ((*first)[1].id, b.id);
  q.after = UserQuery::Cursor{(*first)[1].created_at, (*first)[1].id};
  auto rest = store().users().list(q);
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[0].id, c.id);
  EXPECT_EQ((*rest)[1].id, "platform-1");

  UserQuery requests;
  requests.artist_requests_only = true;
  auto waiting = store().users().list(requests);
  ASSERT_EQ(waiting->size(), 1u);
  EXPECT_EQ(waiting->front().artist_requested_at, 42);
  UserQuery local;
  local.local_only = true;
  EXPECT_EQ(store().users().list(local)->size(), 3u);
}

TEST_P(UserRepositoryTest, PayoutsAreSetByAccountInEventOrderAndResetWithAnotherAccount) {
  User artist = make_user("payee@example.com", Role::kArtist);  // acct_payee
  auto found = store().users().find_by_stripe_account("acct_payee");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, artist.id);
  EXPECT_EQ(store().users().find_by_stripe_account("acct_none").error().code, "not_found");

  auto set = store().users().set_payouts(artist.id, "acct_payee", PayoutsStatus::kEnabled,
                                         std::nullopt, true, 100, 1);
  ASSERT_TRUE(set.ok());
  EXPECT_TRUE(*set);
  // An older event, or another account's, changes nothing.
  EXPECT_FALSE(*store().users().set_payouts(artist.id, "acct_payee", PayoutsStatus::kDisabled,
                                            std::string("rejected.fraud"), false, 99, 2));
  EXPECT_FALSE(*store().users().set_payouts(artist.id, "acct_other", PayoutsStatus::kDisabled,
                                            std::nullopt, false, 200, 3));
  auto u = store().users().find_by_id(artist.id);
  EXPECT_EQ(u->payouts_status, PayoutsStatus::kEnabled);
  EXPECT_TRUE(u->payouts_simulated);
  EXPECT_EQ(u->payouts_event_at, 100);
  EXPECT_TRUE(*store().users().set_payouts(artist.id, "acct_payee", PayoutsStatus::kDisabled,
                                           std::string("requirements.past_due"), false, 101, 4));
  u = store().users().find_by_id(artist.id);
  EXPECT_EQ(u->payouts_status, PayoutsStatus::kDisabled);
  EXPECT_EQ(u->payouts_reason, "requirements.past_due");

  // The platform syncs the same account: kept; another one: cleared.
  User same = *u;
  ASSERT_TRUE(store().users().upsert(same).ok());
  EXPECT_EQ(store().users().find_by_id(artist.id)->payouts_status, PayoutsStatus::kDisabled);
  same.stripe_account_id = "acct_new";
  ASSERT_TRUE(store().users().upsert(same).ok());
  u = store().users().find_by_id(artist.id);
  EXPECT_FALSE(u->payouts_status.has_value());
  EXPECT_FALSE(u->payouts_reason.has_value());
  EXPECT_FALSE(u->payouts_simulated);
}

}  // namespace
}  // namespace stagecast::store::testing
