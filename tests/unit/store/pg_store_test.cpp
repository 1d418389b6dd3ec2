// What only the PostgreSQL backend has: the error when the database cannot be reached at start,
// placeholders translated for libpq, and two nodes migrating one empty database at once.

#include <gtest/gtest.h>

#include <thread>

#include "core/random.h"
#include "store/migrations.h"
#include "store/postgres/pg_statement.h"
#include "store_fixture.h"

namespace stagecast::store::testing {
namespace {

TEST(PostgresStore, UnreachableDatabaseIsDbUnavailableNamingHostButNotPassword) {
  // Port 1 on loopback: nothing listens there, the connection is refused at once.
  auto opened = open_store("postgres://stagecast:s3cret-pw@127.0.0.1:1/stagecast");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, "db_unavailable");
  EXPECT_NE(opened.error().message.find("127.0.0.1:1"), std::string::npos)
      << opened.error().message;
  EXPECT_EQ(opened.error().message.find("s3cret-pw"), std::string::npos) << opened.error().message;
}

TEST(PostgresStore, PlaceholdersBecomeNumberedOutsideLiterals) {
  int n = 0;
  EXPECT_EQ(postgres::translate_placeholders("SELECT ?, ? FROM t WHERE a = ?", &n),
            "SELECT $1, $2 FROM t WHERE a = $3");
  EXPECT_EQ(n, 3);
  EXPECT_EQ(postgres::translate_placeholders("WHERE (?2 IS NULL OR b < ?2) AND c = ?1 LIMIT ?", &n),
            "WHERE ($2 IS NULL OR b < $2) AND c = $1 LIMIT $3");
  EXPECT_EQ(n, 3);
  EXPECT_EQ(postgres::translate_placeholders("SELECT '?', \"a?\" -- why?\n, ?", &n),
            "SELECT '?', \"a?\" -- why?\n, $1");
  EXPECT_EQ(n, 1);
}

TEST(PostgresStore, TwoNodesStartingOnAnEmptyDatabaseMigrateItOnce) {
  const std::string name = "t_race_" + random_id();
  auto url = create_test_database(name);
  ASSERT_TRUE(url.ok()) << url.error().message;
  Result<std::unique_ptr<Store>> a = make_error("internal", "not run");
  Result<std::unique_ptr<Store>> b = make_error("internal", "not run");
  std::thread ta([&] { a = open_store(*url); });
  std::thread tb([&] { b = open_store(*url); });
  ta.join();
  tb.join();
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_TRUE(b.ok()) << b.error().message;
  auto applied = (*a)->applied_migrations();
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(applied->size(), embedded_migrations().size());
  EXPECT_EQ((*b)->backend(), "postgres");
  a->reset();
  b->reset();
  drop_test_database(name);
}

TEST(PostgresStore, ConnectionsTheServerDroppedAreReestablished) {
  const std::string name = "t_drop_" + random_id();
  auto url = create_test_database(name);
  ASSERT_TRUE(url.ok()) << url.error().message;
  StoreOptions options;
  options.read_connections = 1;
  auto store = open_store(*url, options);
  ASSERT_TRUE(store.ok()) << store.error().message;
  ASSERT_TRUE((*store)->ping().ok());
  ASSERT_TRUE((*store)->applied_migrations().ok());

  // An administrator (or a failover) ends every session of the database.
  ASSERT_TRUE(
      admin_exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name +
                 "'")
          .ok());
  // A call may meet its dead session once (db_unavailable, never a crash); the next reconnects.
  auto first = (*store)->ping();
  if (!first.ok()) {
    EXPECT_EQ(first.error().code, "db_unavailable") << first.error().message;
  }
  EXPECT_TRUE((*store)->ping().ok());
  auto read = (*store)->applied_migrations();
  if (!read.ok()) {
    EXPECT_EQ(read.error().code, "db_unavailable") << read.error().message;
  }
  auto again = (*store)->applied_migrations();
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->size(), embedded_migrations().size());
  store->reset();
  drop_test_database(name);
}

}  // namespace
}  // namespace stagecast::store::testing
