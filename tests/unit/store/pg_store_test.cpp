// What only the PostgreSQL backend has: the error when the database cannot be reached at start,
// placeholders translated for libpq, and two nodes migrating one empty database at once.

#include <gtest/gtest.h>

#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

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

// An empty database of its own on the test cluster, dropped (its sessions ended) after the test.
class PostgresDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = create_test_database(name_);
    ASSERT_TRUE(created.ok()) << created.error().message;
    url_ = *created;
  }
  void TearDown() override { drop_test_database(name_); }

  const std::string name_ = "t_own_" + random_id();
  std::string url_;
};

TEST_F(PostgresDatabaseTest, NodesStartingAtOnceOnAnEmptyDatabaseMigrateItOnce) {
  // Writers only: every node is connected and migrating within a millisecond of the others.
  StoreOptions options;
  options.read_connections = 0;
  constexpr int kNodes = 4;
  std::vector<std::optional<Result<std::unique_ptr<Store>>>> nodes(kNodes);
  std::vector<std::thread> threads;
  for (int i = 0; i < kNodes; ++i) {
    threads.emplace_back([&, i] { nodes[i].emplace(open_store(url_, options)); });
  }
  for (auto& t : threads) t.join();
  for (auto& node : nodes) {
    ASSERT_TRUE(node->ok()) << node->error().code << ": " << node->error().message;
    EXPECT_EQ((**node)->backend(), "postgres");
  }
  auto applied = (*nodes[0].value())->applied_migrations();
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(applied->size(), embedded_migrations().size());
}

TEST_F(PostgresDatabaseTest, ConnectionsTheServerDroppedAreReestablished) {
  StoreOptions options;
  options.read_connections = 1;
  auto store = open_store(url_, options);
  ASSERT_TRUE(store.ok()) << store.error().message;
  ASSERT_TRUE((*store)->ping().ok());
  ASSERT_TRUE((*store)->applied_migrations().ok());

  // An administrator (or a failover) ends every session of the database.
  ASSERT_TRUE(
      admin_exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" +
                 name_ + "'")
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
}

// Two nodes appending to one stream's chat at once: each append reads MAX(seq) and inserts the
// next in one serializable transaction; the loser of a race is aborted by PostgreSQL and run
// again, so every message is stored once with its own seq and none is refused.
TEST_F(PostgresDatabaseTest, TwoNodesAppendingToOneChatGetEverySeqOnce) {
  auto a = open_store(url_);
  ASSERT_TRUE(a.ok()) << a.error().message;
  auto b = open_store(url_);
  ASSERT_TRUE(b.ok()) << b.error().message;

  User artist;
  artist.email = "artist@example.com";
  artist.display_name = "artist";
  artist.role = Role::kArtist;
  auto created = (*a)->users().create(artist);
  ASSERT_TRUE(created.ok()) << created.error().message;
  LiveStream s;
  s.artist_id = created->id;
  s.title = "race";
  s.visibility = Visibility::kPublic;
  s.stream_key_hash = "hash-race";
  auto stream = (*a)->streams().create(s);
  ASSERT_TRUE(stream.ok()) << stream.error().message;

  constexpr int kEach = 40;
  std::vector<std::string> errors;
  std::mutex mu;
  auto append = [&](Store& node, const std::string& who) {
    for (int i = 0; i < kEach; ++i) {
      ChatMessage m;
      m.stream_id = stream->id;
      m.display_name = who;
      m.body = who + " " + std::to_string(i);
      auto r = node.chat().append(m);
      if (!r.ok()) {
        std::lock_guard lock(mu);
        errors.push_back(r.error().code + ": " + r.error().message);
      }
    }
  };
  std::thread ta([&] { append(**a, "a"); });
  std::thread tb([&] { append(**b, "b"); });
  ta.join();
  tb.join();
  EXPECT_TRUE(errors.empty()) << errors.size() << " failed, first: " << errors.front();

  auto all = (*b)->chat().recent(stream->id, 2 * kEach);
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), 2u * kEach);
  std::set<int64_t> seqs;
  for (const ChatMessage& m : *all) seqs.insert(m.seq);
  EXPECT_EQ(seqs.size(), 2u * kEach);
  EXPECT_EQ(*seqs.begin(), 1);
  EXPECT_EQ(*seqs.rbegin(), 2 * kEach);
  auto counted = (*a)->streams().find(stream->id);
  ASSERT_TRUE(counted.ok());
  EXPECT_EQ(counted->chat_message_count, 2 * kEach);
}

}  // namespace
}  // namespace stagecast::store::testing
