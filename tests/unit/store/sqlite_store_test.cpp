// What only the SQLite backend has: URL handling, file settings, the schema version guard.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "core/random.h"
#include "store/migrations.h"
#include "store/store.h"

namespace stagecast::store {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("stagecast-sqlite-test-" + random_id());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string db_path() const { return (dir_ / "stagecast.db").string(); }

  // Runs SQL on the file with a separate plain connection, as an operator's sqlite3 shell would.
  std::string query_text(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK);
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }

  std::filesystem::path dir_;
};

TEST(EmbeddedMigrations, NumberedFromOneWithoutGaps) {
  auto ms = embedded_migrations();
  ASSERT_FALSE(ms.empty());
  for (size_t i = 0; i < ms.size(); ++i) {
    EXPECT_EQ(ms[i].version, static_cast<int>(i + 1));
    EXPECT_NE(ms[i].sql.find(';'), std::string_view::npos) << ms[i].name;
  }
  EXPECT_NE(ms[0].sql.find("CREATE TABLE live_streams"), std::string_view::npos);
}

TEST(OpenStore, UrlSchemes) {
  EXPECT_EQ(open_store("mysql://x").error().code, "unsupported_backend");
  EXPECT_EQ(open_store("sqlite://relative/path.db").error().code, "invalid_argument");
  auto mem = open_store("sqlite::memory:");
  ASSERT_TRUE(mem.ok());
  EXPECT_EQ((*mem)->backend(), "sqlite");
}

TEST_F(SqliteStoreTest, MissingDirectoryIsDbUnavailable) {
  auto r = open_store("sqlite://" + (dir_ / "no" / "such" / "dir.db").string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "db_unavailable");
}

TEST_F(SqliteStoreTest, FileIsInWalModeWithTheSchemaRecorded) {
  auto store = open_store("sqlite://" + db_path());
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ(query_text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query_text("SELECT name FROM schema_migrations WHERE version = 1"), "0001_init");
  EXPECT_EQ(query_text("SELECT name FROM sqlite_master WHERE name = 'stream_chat_messages'"),
            "stream_chat_messages");
}

TEST_F(SqliteStoreTest, ForeignKeysAreEnforced) {
  auto store = open_store("sqlite://" + db_path());
  ASSERT_TRUE(store.ok());
  Tip t;
  t.stream_id = "no-such-stream";
  t.fan_id = "f";
  t.artist_id = "a";
  t.amount_cents = 100;
  t.provider = "sandbox";
  t.idempotency_key = "k";
  auto r = (*store)->tips().create_pending(t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "invalid_argument");
}

TEST_F(SqliteStoreTest, DatabaseFromANewerBinaryIsRefused) {
  { ASSERT_TRUE(open_store("sqlite://" + db_path()).ok()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "INSERT INTO schema_migrations (version, name, applied_at) "
                         "VALUES (999, '0999_future', 0)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto again = open_store("sqlite://" + db_path());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "schema_too_new");
}

TEST_F(SqliteStoreTest, TwoStoresOnOneFileSeeEachOthersCommits) {
  // E.g. the server and an admin tool: WAL readers see the other writer's committed rows.
  auto a = open_store("sqlite://" + db_path());
  auto b = open_store("sqlite://" + db_path());
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  User u;
  u.email = "shared@example.com";
  u.display_name = "shared";
  ASSERT_TRUE((*a)->users().create(u).ok());
  EXPECT_TRUE((*b)->users().find_by_email("shared@example.com").ok());
}

}  // namespace
}  // namespace stagecast::store
