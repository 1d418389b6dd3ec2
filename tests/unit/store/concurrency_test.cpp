// Several threads writing and reading at once, as the worker pools do.

#include <atomic>
#include <set>
#include <thread>

#include "store_fixture.h"

namespace stagecast::store::testing {
namespace {

STAGECAST_STORE_SUITE(ConcurrencyTest);

TEST_P(ConcurrencyTest, ParallelWritersAndReadersLoseNothing) {
  User artist = make_user("artist@example.com", Role::kArtist);
  LiveStream s = make_stream(artist.id, "hash-conc");
  constexpr int kThreads = 6;
  constexpr int kPerThread = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        ChatMessage m;
        m.stream_id = s.id;
        m.user_id = "user-" + std::to_string(t);
        m.display_name = "u" + std::to_string(t);
        m.body = std::to_string(t) + ":" + std::to_string(i);
        m.created_at = 1;
        if (!store().chat().append(m).ok()) ++failures;
        User u;
        u.email = "u" + std::to_string(t) + "-" + std::to_string(i) + "@example.com";
        u.display_name = "x";
        if (!store().users().create(u).ok()) ++failures;
        if (!store().chat().recent(s.id, 50).ok()) ++failures;
        if (!store().streams().find(s.id).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);

  auto all = store().chat().page_before(s.id, std::nullopt, 200, true);
  ASSERT_TRUE(all.ok());
  auto more = store().chat().page_before(s.id, all->front().seq, 200, true);
  ASSERT_TRUE(more.ok());
  std::set<int64_t> seqs;
  for (const auto& m : *all) seqs.insert(m.seq);
  for (const auto& m : *more) seqs.insert(m.seq);
  // Every message got its own seq, with no gaps.
  ASSERT_EQ(seqs.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(*seqs.begin(), 1);
  EXPECT_EQ(*seqs.rbegin(), kThreads * kPerThread);
  EXPECT_EQ(store().streams().find(s.id)->chat_message_count, kThreads * kPerThread);
  EXPECT_TRUE(store().users().find_by_email("U5-39@example.com").ok());
}

TEST_P(ConcurrencyTest, RacingGoLiveAndEndLeaveAConsistentStream) {
  User artist = make_user("artist@example.com", Role::kArtist);
  for (int round = 0; round < 10; ++round) {
    LiveStream s = make_stream(artist.id, "hash-race-" + std::to_string(round));
    std::atomic<int> ended_ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        if (t % 2 == 0) {
          (void)store().streams().mark_live(s.id, 100 + t);
        } else if (store().streams().mark_ended(s.id, 200 + t, "race").ok()) {
          ++ended_ok;
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(ended_ok.load(), 1) << "exactly one end wins";
    auto final_state = store().streams().find(s.id);
    ASSERT_TRUE(final_state.ok());
    EXPECT_EQ(final_state->status, StreamStatus::kEnded);
  }
}

}  // namespace
}  // namespace stagecast::store::testing
