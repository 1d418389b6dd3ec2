// RenditionStore: the request-time semantics of LL-HLS (blocking reload, preload hint requests,
// timeouts) with hand-made updates and a manual clock, and its thread safety under concurrent
// readers.
#include "hls/rendition_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace stagecast::hls {
namespace {

using namespace std::chrono_literals;

SharedBytes bytes_of(std::string_view s) {
  return std::make_shared<const Bytes>(s.begin(), s.end());
}

std::string_view to_string_view(const SharedBytes& b) {
  return b ? std::string_view(reinterpret_cast<const char*>(b->data()), b->size())
           : std::string_view();
}

// Publishes parts one by one; segments of `parts_per_segment` parts.
class FakePackager {
 public:
  FakePackager(RenditionStore& store, std::string stream, std::string rendition,
               int parts_per_segment = 4)
      : store_(store),
        stream_(std::move(stream)),
        rendition_(std::move(rendition)),
        per_segment_(parts_per_segment) {}

  void next_part() {
    RenditionUpdate u;
    if (first_) {
      u.init_version = 0;
      u.init = bytes_of("init");
      first_ = false;
    }
    const PartRef ref{msn_, part_};
    u.parts.push_back({ref, bytes_of(fmt_part(ref))});
    edge_.last_part = ref;
    if (++part_ == per_segment_) {
      u.segments.push_back({msn_, bytes_of("segment"), per_segment_});
      edge_.last_complete_msn = msn_;
      ++msn_;
      part_ = 0;
    }
    edge_.preload_hint = PartRef{msn_, part_};
    u.edge = edge_;
    u.playlist = "#EXTM3U\n# up to " + fmt_part(ref) + "\n";
    u.variant.bandwidth = 1000;
    store_.publish(stream_, rendition_, std::move(u));
  }
  void end() {
    RenditionUpdate u;
    edge_.ended = true;
    edge_.preload_hint.reset();
    u.edge = edge_;
    u.playlist = "#EXTM3U\n#EXT-X-ENDLIST\n";
    store_.publish(stream_, rendition_, std::move(u));
  }
  static std::string fmt_part(PartRef r) {
    return "part" + std::to_string(r.msn) + "." + std::to_string(r.part);
  }

 private:
  RenditionStore& store_;
  std::string stream_;
  std::string rendition_;
  int per_segment_;
  bool first_ = true;
  int64_t msn_ = 0;
  int part_ = 0;
  RenditionEdge edge_;
};

struct Outcome {
  std::optional<WaitResult> result;
  int calls = 0;
  WaitCallback callback() {
    return [this](WaitResult r) {
      result = r;
      ++calls;
    };
  }
};

class RenditionStoreTest : public ::testing::Test {
 protected:
  ManualClock clock_;
  RenditionStore store_{clock_};
  FakePackager packager_{store_, "s1", "source"};
};

TEST_F(RenditionStoreTest, UnknownStreamOrRenditionIsNotFound) {
  Outcome a, b;
  store_.wait_for_playlist("nope", "source", 0, 0, std::nullopt, a.callback());
  EXPECT_EQ(a.result, WaitResult::NotFound);
  packager_.next_part();
  store_.wait_for_playlist("s1", "nope", 0, 0, std::nullopt, b.callback());
  EXPECT_EQ(b.result, WaitResult::NotFound);
  EXPECT_FALSE(store_.media_playlist("s1", "nope"));
  EXPECT_FALSE(store_.segment("s1", "source", 0));
}

TEST_F(RenditionStoreTest, BlockingReloadFiresWhenThePartIsPublished) {
  packager_.next_part();  // 0.0
  Outcome now, later;
  store_.wait_for_playlist("s1", "source", 0, 0, std::nullopt, now.callback());
  EXPECT_EQ(now.result, WaitResult::Ready);
  store_.wait_for_playlist("s1", "source", 0, 1, std::nullopt, later.callback());
  EXPECT_FALSE(later.result);
  packager_.next_part();  // 0.1
  EXPECT_EQ(later.result, WaitResult::Ready);
  EXPECT_EQ(later.calls, 1);
  EXPECT_NE(to_string_view(store_.media_playlist("s1", "source")).find("part0.1"),
            std::string_view::npos);
}

TEST_F(RenditionStoreTest, BlockingReloadTimesOutAtTheDeadline) {
  packager_.next_part();
  Outcome o;
  store_.wait_for_playlist("s1", "source", 0, 1, std::nullopt, o.callback());
  store_.expire_waiters();
  EXPECT_FALSE(o.result);
  ASSERT_TRUE(store_.next_deadline());
  // Three target durations (2 s each) by default.
  EXPECT_EQ(*store_.next_deadline() - clock_.steady_now(), 6000ms);
  clock_.advance(5999ms);
  store_.expire_waiters();
  EXPECT_FALSE(o.result);
  clock_.advance(1ms);
  store_.expire_waiters();
  EXPECT_EQ(o.result, WaitResult::TimedOut);
  packager_.next_part();  // fired once only
  EXPECT_EQ(o.calls, 1);
  EXPECT_EQ(store_.stats().waiters, 0u);
}

TEST_F(RenditionStoreTest, ExplicitDeadlineIsHonoured) {
  packager_.next_part();
  Outcome o;
  store_.wait_for_playlist("s1", "source", 0, 2, clock_.steady_now() + 100ms, o.callback());
  clock_.advance(100ms);
  store_.expire_waiters();
  EXPECT_EQ(o.result, WaitResult::TimedOut);
}

TEST_F(RenditionStoreTest, TooFarAheadIsRefusedAtOnce) {
  packager_.next_part();
  Outcome far_msn, far_part;
  store_.wait_for_playlist("s1", "source", 3, std::nullopt, std::nullopt, far_msn.callback());
  EXPECT_EQ(far_msn.result, WaitResult::TooFarAhead);
  store_.wait_for_playlist("s1", "source", 0, 9, std::nullopt, far_part.callback());
  EXPECT_EQ(far_part.result, WaitResult::TooFarAhead);
}

TEST_F(RenditionStoreTest, FirstPlaylistWaitEndsWithTheFirstPart) {
  store_.open_rendition("s1", "source");
  Outcome o;
  store_.wait_for_playlist("s1", "source", std::nullopt, std::nullopt, std::nullopt, o.callback());
  EXPECT_FALSE(o.result);
  packager_.next_part();
  EXPECT_EQ(o.result, WaitResult::Ready);
}

TEST_F(RenditionStoreTest, PreloadHintPartIsHeldUntilComplete) {
  packager_.next_part();  // hint is now 0.1
  Outcome hinted, not_hinted, existing;
  store_.wait_for_part("s1", "source", PartRef{0, 1}, std::nullopt, hinted.callback());
  store_.wait_for_part("s1", "source", PartRef{0, 2}, std::nullopt, not_hinted.callback());
  store_.wait_for_part("s1", "source", PartRef{0, 0}, std::nullopt, existing.callback());
  EXPECT_FALSE(hinted.result);
  EXPECT_EQ(not_hinted.result, WaitResult::NotFound);
  EXPECT_EQ(existing.result, WaitResult::Ready);
  packager_.next_part();
  EXPECT_EQ(hinted.result, WaitResult::Ready);
  EXPECT_EQ(to_string_view(store_.part("s1", "source", PartRef{0, 1})), "part0.1");
}

TEST_F(RenditionStoreTest, AbandonedHintAndEndAnswerWaiters) {
  packager_.next_part();
  Outcome part_waiter, playlist_waiter;
  store_.wait_for_part("s1", "source", PartRef{0, 1}, std::nullopt, part_waiter.callback());
  store_.wait_for_playlist("s1", "source", 0, 1, std::nullopt, playlist_waiter.callback());
  packager_.end();
  EXPECT_EQ(part_waiter.result, WaitResult::NotFound);
  // 6.2.5.2: with EXT-X-ENDLIST the directives are ignored and the playlist is served.
  EXPECT_EQ(playlist_waiter.result, WaitResult::Ready);
}

TEST_F(RenditionStoreTest, OverloadedBeyondTheWaiterLimit) {
  RenditionStore small(clock_, RenditionStore::Options{.max_waiters_per_rendition = 2});
  FakePackager p(small, "s", "r");
  p.next_part();
  Outcome a, b, c;
  small.wait_for_playlist("s", "r", 0, 1, std::nullopt, a.callback());
  small.wait_for_playlist("s", "r", 0, 1, std::nullopt, b.callback());
  small.wait_for_playlist("s", "r", 0, 1, std::nullopt, c.callback());
  EXPECT_FALSE(a.result);
  EXPECT_EQ(c.result, WaitResult::Overloaded);
}

TEST_F(RenditionStoreTest, RemoveAndRetireStream) {
  packager_.next_part();
  Outcome o;
  store_.wait_for_playlist("s1", "source", 0, 1, std::nullopt, o.callback());
  store_.retire_stream("s1", 10s);
  clock_.advance(5s);
  store_.expire_waiters();  // neither the waiter (6 s) nor the linger (10 s) is over
  EXPECT_TRUE(store_.has_rendition("s1", "source"));
  clock_.advance(5s);
  store_.expire_waiters();
  EXPECT_FALSE(store_.has_rendition("s1", "source"));
  EXPECT_EQ(o.result, WaitResult::TimedOut);
  EXPECT_EQ(store_.stats().streams, 0u);
}

TEST_F(RenditionStoreTest, ReopeningCancelsRetirement) {
  packager_.next_part();
  store_.retire_stream("s1", 1s);
  store_.open_rendition("s1", "source");
  clock_.advance(2s);
  store_.expire_waiters();
  EXPECT_TRUE(store_.has_rendition("s1", "source"));
}

TEST_F(RenditionStoreTest, RenditionReportsNameTheSiblings) {
  FakePackager low(store_, "s1", "360p");
  packager_.next_part();
  low.next_part();
  low.next_part();
  packager_.next_part();
  const auto text = to_string_view(store_.media_playlist("s1", "source"));
  EXPECT_NE(
      text.find("#EXT-X-RENDITION-REPORT:URI=\"../360p/index.m3u8\",LAST-MSN=0,LAST-PART=1\n"),
      std::string_view::npos)
      << text;
  const auto master = store_.multivariant_playlist("s1");
  ASSERT_TRUE(master);
  EXPECT_LT(master->find("source/index.m3u8"), master->find("360p/index.m3u8"));
}

TEST_F(RenditionStoreTest, AWithdrawnRenditionLeavesTheLadderAndTheOthersGoOn) {
  FakePackager low(store_, "s1", "360p");
  packager_.next_part();
  low.next_part();
  Outcome waiting;
  store_.wait_for_playlist("s1", "360p", 0, 1, std::nullopt, waiting.callback());
  EXPECT_FALSE(waiting.result);

  store_.withdraw_rendition("s1", "360p");  // (the transcoder ends the rung first; not needed)
  EXPECT_EQ(waiting.result, WaitResult::NotFound);
  EXPECT_EQ(waiting.calls, 1);
  EXPECT_FALSE(store_.media_playlist("s1", "360p"));
  EXPECT_FALSE(store_.has_rendition("s1", "360p"));
  const auto master = store_.multivariant_playlist("s1");
  ASSERT_TRUE(master);
  EXPECT_EQ(master->find("360p"), std::string::npos) << *master;
  EXPECT_NE(master->find("source/index.m3u8"), std::string::npos);

  packager_.next_part();  // the source goes on, and no longer reports the withdrawn rung
  const auto text = to_string_view(store_.media_playlist("s1", "source"));
  EXPECT_NE(text.find("part0.1"), std::string_view::npos) << text;
  EXPECT_EQ(text.find("360p"), std::string_view::npos) << text;
  store_.withdraw_rendition("s1", "360p");  // twice, and unknown ones: nothing happens
  store_.withdraw_rendition("nope", "360p");
}

// 6.2.1: a playlist removed answers 404, but what it listed stays available for its duration,
// so a player that was playing it (Shaka prefetches parts) is not cut off mid-segment: it was
// stopped with error 1001 when a loaded ladder's rung answered 404 at once.
TEST_F(RenditionStoreTest, AWithdrawnRenditionsMediaStaysAvailableForItsPlaylistsDuration) {
  FakePackager low(store_, "s1", "360p");
  for (int i = 0; i < 6; ++i) low.next_part();  // segment 0 complete, 1 open (2 s targets)
  store_.withdraw_rendition("s1", "360p");
  EXPECT_FALSE(store_.media_playlist("s1", "360p"));
  EXPECT_FALSE(store_.edge("s1", "360p"));
  EXPECT_TRUE(store_.part("s1", "360p", PartRef{1, 1}));
  EXPECT_TRUE(store_.init_segment("s1", "360p", 0));
  EXPECT_FALSE(store_.segment_pieces("s1", "360p", 0).empty());
  Outcome hinted, reload;
  store_.wait_for_part("s1", "360p", PartRef{1, 2}, std::nullopt, hinted.callback());
  store_.wait_for_playlist("s1", "360p", 1, 2, std::nullopt, reload.callback());
  EXPECT_EQ(hinted.result, WaitResult::NotFound);  // nothing new will come
  EXPECT_EQ(reload.result, WaitResult::NotFound);
  low.next_part();  // a packager that finishes after the withdrawal does not bring it back
  EXPECT_FALSE(store_.media_playlist("s1", "360p"));
  EXPECT_FALSE(store_.part("s1", "360p", PartRef{1, 2}));

  // Two segments listed, each under 2.5 s: gone after 5 s, not before.
  clock_.advance(4900ms);
  store_.expire_waiters();
  EXPECT_TRUE(store_.part("s1", "360p", PartRef{1, 1}));
  clock_.advance(200ms);
  store_.expire_waiters();
  EXPECT_FALSE(store_.part("s1", "360p", PartRef{1, 1}));
  EXPECT_FALSE(store_.init_segment("s1", "360p", 0));
  EXPECT_EQ(store_.stats().renditions, 0u);
}

TEST_F(RenditionStoreTest, ASegmentIsHeldOnceAsItsPartsThenAsItsBytes) {
  auto publish = [&](RenditionUpdate u) { store_.publish("s1", "v", std::move(u)); };
  RenditionUpdate first;
  first.init_version = 0;
  first.init = bytes_of("init");
  first.parts.push_back({PartRef{0, 0}, bytes_of("aaaa")});
  first.parts.push_back({PartRef{0, 1}, bytes_of("bbb")});
  // The packager sends the whole segment as well: the concatenation of its parts.
  first.segments.push_back({0, bytes_of("aaaabbb"), 2});
  first.playlist = "#EXTM3U\n";
  publish(std::move(first));

  auto pieces = store_.segment_pieces("s1", "v", 0);
  ASSERT_EQ(pieces.size(), 2u) << "served as its parts";
  EXPECT_EQ(to_string_view(pieces[0]), "aaaa");
  EXPECT_EQ(to_string_view(pieces[1]), "bbb");
  EXPECT_EQ(to_string_view(store_.segment("s1", "v", 0)), "aaaabbb");
  const uint64_t held = store_.stats().bytes;
  EXPECT_EQ(held, 4u + 7u + 8u) << "init + parts + playlist: the segment is not held twice";

  // Its parts leave: the segment stays, as its own bytes.
  RenditionUpdate later;
  later.parts.push_back({PartRef{1, 0}, bytes_of("cc")});
  later.keep_parts_from = 1;
  later.playlist = "#EXTM3U\n";
  publish(std::move(later));
  pieces = store_.segment_pieces("s1", "v", 0);
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(to_string_view(pieces[0]), "aaaabbb");
  EXPECT_FALSE(store_.part("s1", "v", PartRef{0, 0}));
  EXPECT_EQ(store_.stats().bytes, 4u + 7u + 2u + 8u);

  // A segment whose parts do not add up to it (or are missing) keeps its own bytes.
  packager_.next_part();
  for (int i = 0; i < 4; ++i) packager_.next_part();
  pieces = store_.segment_pieces("s1", "source", 0);
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(to_string_view(pieces[0]), "segment");
  EXPECT_TRUE(store_.segment_pieces("s1", "source", 9).empty());
}

TEST_F(RenditionStoreTest, ConcurrentReadersWhileWriting) {
  std::atomic<bool> stop{false};
  std::atomic<int> ready{0};
  std::atomic<int> iterations{0};
  packager_.next_part();
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      while (!stop) {
        auto edge = store_.edge("s1", "source");
        if (edge && edge->last_part) {
          auto part = store_.part("s1", "source", *edge->last_part);
          (void)part;
          store_.wait_for_playlist("s1", "source", edge->last_part->msn, edge->last_part->part + 1,
                                   std::nullopt, [&](WaitResult r) {
                                     if (r == WaitResult::Ready) ++ready;
                                   });
        }
        (void)store_.multivariant_playlist("s1");
        ++iterations;
      }
    });
  }
  for (int i = 0; i < 2000; ++i) {
    // Interleave with the readers however the two shared cores schedule them.
    if (i % 100 == 0) {
      const int seen = iterations.load();
      while (iterations.load() < seen + 4) std::this_thread::yield();
    }
    packager_.next_part();
  }
  stop = true;
  for (auto& t : readers) t.join();
  packager_.end();  // answers whatever is still waiting
  EXPECT_EQ(store_.stats().waiters, 0u);
  EXPECT_GT(ready.load(), 0);
}

}  // namespace
}  // namespace stagecast::hls
