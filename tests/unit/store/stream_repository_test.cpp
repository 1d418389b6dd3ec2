#include <set>

#include "store_fixture.h"

namespace stagecast::store::testing {
namespace {

STAGECAST_STORE_SUITE(StreamRepositoryTest);

TEST_P(StreamRepositoryTest, CreateStoresEverySettingAndFindsByKeyHash) {
  User artist = make_user("artist@example.com", Role::kArtist);
  LiveStream s;
  s.artist_id = artist.id;
  s.title = "Late show";
  s.description = "acoustic set";
  s.visibility = Visibility::kTier;
  s.min_tier = 2;
  s.price_cents = 0;
  s.currency = "eur";
  s.chat_enabled = true;
  s.chat_subscribers_only = true;
  s.chat_slow_mode_seconds = 10;
  s.chat_blocked_words = {"spoiler", "caf\xc3\xa9", "quote\"d"};
  s.record = false;
  s.transcode = false;
  s.scheduled_at = clock_.unix_millis() + 3'600'000;
  s.stream_key_hash = "sha256:abc";
  s.stream_key_rotated_at = s.created_at = s.updated_at = clock_.unix_millis();
  auto created = store().streams().create(s);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->status, StreamStatus::kScheduled);  // derived from scheduled_at

  auto found = store().streams().find_by_key_hash("sha256:abc");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, created->id);
  EXPECT_EQ(found->visibility, Visibility::kTier);
  EXPECT_EQ(found->min_tier, 2);
  EXPECT_EQ(found->currency, "eur");
  EXPECT_TRUE(found->chat_subscribers_only);
  EXPECT_EQ(found->chat_slow_mode_seconds, 10);
  EXPECT_EQ(found->chat_blocked_words, s.chat_blocked_words);
  EXPECT_FALSE(found->record);
  EXPECT_FALSE(found->transcode);
  EXPECT_EQ(found->scheduled_at, s.scheduled_at);
  EXPECT_FALSE(found->started_at.has_value());

  auto missing = store().streams().find_by_key_hash("sha256:nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "not_found");
}

TEST_P(StreamRepositoryTest, KeyHashIsUniqueAndRotationReplacesIt) {
  User artist = make_user("artist@example.com", Role::kArtist);
  LiveStream a = make_stream(artist.id, "hash-a");
  LiveStream b;
  b.artist_id = artist.id;
  b.title = "other";
  b.stream_key_hash = "hash-a";
  auto dup = store().streams().create(b);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, "conflict");

  clock_.advance(std::chrono::seconds(5));
  ASSERT_TRUE(store().streams().rotate_key(a.id, "hash-a2", clock_.unix_millis()).ok());
  EXPECT_EQ(store().streams().find_by_key_hash("hash-a").error().code, "not_found");
  auto rotated = store().streams().find_by_key_hash("hash-a2");
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ(rotated->stream_key_rotated_at, clock_.unix_millis());
}

TEST_P(StreamRepositoryTest, UnknownArtistIsRefused) {
  LiveStream s;
  s.artist_id = "no-such-artist";
  s.title = "x";
  s.stream_key_hash = "h";
  auto r = store().streams().create(s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "invalid_argument");
}

TEST_P(StreamRepositoryTest, LifecycleCreatedLiveEndedAndInvalidTransitionsRefused) {
  User artist = make_user("artist@example.com", Role::kArtist);
  LiveStream s = make_stream(artist.id, "hash-life");
  EXPECT_EQ(s.status, StreamStatus::kCreated);

  int64_t t0 = clock_.unix_millis();
  auto live = store().streams().mark_live(s.id, t0);
  ASSERT_TRUE(live.ok()) << live.error().message;
  EXPECT_EQ(live->status, StreamStatus::kLive);
  EXPECT_EQ(live->started_at, t0);

  // A publisher reconnecting: still LIVE, original start kept.
  auto again = store().streams().mark_live(s.id, t0 + 30'000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->started_at, t0);

  auto ended = store().streams().mark_ended(s.id, t0 + 60'000, "ended_by_owner");
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(ended->status, StreamStatus::kEnded);
  EXPECT_EQ(ended->ended_at, t0 + 60'000);
  EXPECT_EQ(ended->end_reason, "ended_by_owner");

  auto relive = store().streams().mark_live(s.id, t0 + 90'000);
  ASSERT_FALSE(relive.ok());
  EXPECT_EQ(relive.error().code, "invalid_transition");
  auto reend = store().streams().mark_ended(s.id, t0 + 90'000, "again");
  ASSERT_FALSE(reend.ok());
  EXPECT_EQ(reend.error().code, "invalid_transition");
  // The refused calls changed nothing.
  auto after = store().streams().find(s.id);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->ended_at, t0 + 60'000);
  EXPECT_EQ(after->end_reason, "ended_by_owner");

  auto nope = store().streams().mark_live("missing", t0);
  ASSERT_FALSE(nope.ok());
  EXPECT_EQ(nope.error().code, "not_found");
}

TEST_P(StreamRepositoryTest, ScheduledStreamGoesLiveAndCanBeEndedBeforeStarting) {
  User artist = make_user("artist@example.com", Role::kArtist);
  LiveStream s = make_stream(artist.id, "hash-sched");
  StreamSettingsUpdate u;
  u.scheduled_at = std::optional<int64_t>(clock_.unix_millis() + 60'000);
  auto scheduled = store().streams().update_settings(s.id, u, clock_.unix_millis());
  ASSERT_TRUE(scheduled.ok()) << scheduled.error().message;
  EXPECT_EQ(scheduled->status, StreamStatus::kScheduled);
  ASSERT_TRUE(store().streams().mark_live(s.id, clock_.unix_millis()).ok());

  LiveStream never = make_stream(artist.id, "hash-never");
  auto ended = store().streams().mark_ended(never.id, clock_.unix_millis(), "cancelled");
  ASSERT_TRUE(ended.ok());
  EXPECT_FALSE(ended->started_at.has_value());
}

TEST_P(StreamRepositoryTest, UpdateSettingsChangesOnlyGivenFieldsAndRefusesRescheduleWhenLive) {
  User artist = make_user("artist@example.com", Role::kArtist);
  LiveStream s = make_stream(artist.id, "hash-patch");
  clock_.advance(std::chrono::seconds(1));
  StreamSettingsUpdate u;
  u.title = "New title";
  u.chat_blocked_words = std::vector<std::string>{"foo"};
  u.visibility = Visibility::kPaid;
  u.price_cents = 499;
  u.transcode = false;
  auto r = store().streams().update_settings(s.id, u, clock_.unix_millis());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->title, "New title");
  EXPECT_EQ(r->description, "warming up");
  EXPECT_EQ(r->visibility, Visibility::kPaid);
  EXPECT_EQ(r->price_cents, 499);
  EXPECT_FALSE(r->transcode);
  EXPECT_TRUE(r->record);  // not given, unchanged
  EXPECT_EQ(r->chat_blocked_words, std::vector<std::string>{"foo"});
  EXPECT_EQ(r->updated_at, clock_.unix_millis());
  auto stored = store().streams().find(s.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->title, "New title");

  StreamSettingsUpdate bad;
  bad.min_tier = 0;
  auto refused = store().streams().update_settings(s.id, bad, clock_.unix_millis());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "invalid_argument");

  ASSERT_TRUE(store().streams().mark_live(s.id, clock_.unix_millis()).ok());
  StreamSettingsUpdate resched;
  resched.scheduled_at = std::optional<int64_t>(clock_.unix_millis() + 1000);
  auto live_resched = store().streams().update_settings(s.id, resched, clock_.unix_millis());
  ASSERT_FALSE(live_resched.ok());
  EXPECT_EQ(live_resched.error().code, "invalid_transition");
}

TEST_P(StreamRepositoryTest, ListFiltersByStatusAndArtistAndPagesWithACursor) {
  User a = make_user("a@example.com", Role::kArtist);
  User b = make_user("b@example.com", Role::kArtist);
  std::vector<std::string> a_ids;
  for (int i = 0; i < 5; ++i) {
    clock_.advance(std::chrono::seconds(1));
    a_ids.push_back(make_stream(a.id, "ha" + std::to_string(i)).id);
  }
  // Two streams in the same millisecond: the id breaks the tie, nothing is skipped.
  make_stream(b.id, "hb0");
  make_stream(b.id, "hb1");
  ASSERT_TRUE(store().streams().mark_live(a_ids[1], clock_.unix_millis()).ok());

  StreamFilter live;
  live.status = StreamStatus::kLive;
  auto lp = store().streams().list(live);
  ASSERT_TRUE(lp.ok());
  ASSERT_EQ(lp->items.size(), 1u);
  EXPECT_EQ(lp->items[0].id, a_ids[1]);

  StreamFilter by_a;
  by_a.artist_id = a.id;
  by_a.limit = 2;
  std::vector<std::string> seen;
  for (int page = 0; page < 10; ++page) {
    auto p = store().streams().list(by_a);
    ASSERT_TRUE(p.ok());
    for (const auto& s : p->items) seen.push_back(s.id);
    if (!p->next_cursor) break;
    by_a.cursor = p->next_cursor;
  }
  std::vector<std::string> expected(a_ids.rbegin(), a_ids.rend());  // newest first
  EXPECT_EQ(seen, expected);

  StreamFilter all;
  all.limit = 1;
  std::set<std::string> every;
  for (int page = 0; page < 20; ++page) {
    auto p = store().streams().list(all);
    ASSERT_TRUE(p.ok());
    for (const auto& s : p->items) every.insert(s.id);
    if (!p->next_cursor) break;
    all.cursor = p->next_cursor;
  }
  EXPECT_EQ(every.size(), 7u);

  StreamFilter garbage;
  garbage.cursor = "not-a-cursor";
  auto g = store().streams().list(garbage);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code, "invalid_argument");
}

TEST_P(StreamRepositoryTest, SoftDeletedStreamDisappearsFromLookupsAndLists) {
  User artist = make_user("artist@example.com", Role::kArtist);
  LiveStream s = make_stream(artist.id, "hash-del");
  ASSERT_TRUE(store().streams().soft_delete(s.id, clock_.unix_millis()).ok());
  EXPECT_EQ(store().streams().find(s.id).error().code, "not_found");
  EXPECT_EQ(store().streams().find_by_key_hash("hash-del").error().code, "not_found");
  auto list = store().streams().list({});
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->items.empty());
  EXPECT_EQ(store().streams().soft_delete(s.id, clock_.unix_millis()).error().code, "not_found");
}

TEST_P(StreamRepositoryTest, ViewerStatsOnlyGrowAndListLiveShowsLiveStreams) {
  User artist = make_user("artist@example.com", Role::kArtist);
  LiveStream s = make_stream(artist.id, "hash-stats");
  make_stream(artist.id, "hash-idle");
  ASSERT_TRUE(store().streams().mark_live(s.id, clock_.unix_millis()).ok());
  ASSERT_TRUE(store().streams().update_viewer_stats(s.id, 40, 55, clock_.unix_millis()).ok());
  ASSERT_TRUE(store().streams().update_viewer_stats(s.id, 12, 50, clock_.unix_millis()).ok());
  auto found = store().streams().find(s.id);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->peak_viewers, 40);
  EXPECT_EQ(found->total_viewers, 55);
  auto live = store().streams().list_live();
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live->size(), 1u);
  EXPECT_EQ(live->front().id, s.id);
}

}  // namespace
}  // namespace stagecast::store::testing
