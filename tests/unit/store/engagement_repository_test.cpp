// Viewers, recordings, notifications and push subscriptions.

#include "store_fixture.h"

namespace stagecast::store::testing {
namespace {

STAGECAST_STORE_SUITE(EngagementRepositoryTest);

TEST_P(EngagementRepositoryTest, ViewerSessionsGiveUniqueViewersAndWatchTime) {
  User artist = make_user("artist@example.com", Role::kArtist);
  LiveStream s = make_stream(artist.id, "hash-viewers");
  auto join = [&](std::optional<std::string> user, std::optional<std::string> session,
                  int64_t at) {
    StreamViewer v;
    v.stream_id = s.id;
    v.user_id = std::move(user);
    v.session_id = std::move(session);
    v.joined_at = at;
    auto r = store().viewers().record_join(v);
    EXPECT_TRUE(r.ok());
    return r.value().id;
  };
  std::string a1 = join("user-a", std::nullopt, 1000);
  std::string a2 = join("user-a", std::nullopt, 5000);  // same user again
  std::string anon = join(std::nullopt, "sess-1", 2000);
  join(std::nullopt, "sess-2", 3000);  // still watching at the end

  auto left = store().viewers().record_leave(a1, 4000);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->watch_ms, 3000);
  // Leaving twice keeps the first leave.
  EXPECT_EQ(store().viewers().record_leave(a1, 9000)->watch_ms, 3000);
  ASSERT_TRUE(store().viewers().record_leave(anon, 2500).ok());

  auto stats = store().viewers().stats_for_stream(s.id);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->sessions, 4);
  EXPECT_EQ(stats->unique_viewers, 3);
  EXPECT_EQ(stats->watch_ms, 3500);
  EXPECT_EQ(stats->open_sessions, 2);

  auto closed = store().viewers().close_all(s.id, 10'000);
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(*closed, 2);
  stats = store().viewers().stats_for_stream(s.id);
  EXPECT_EQ(stats->open_sessions, 0);
  EXPECT_EQ(stats->watch_ms, 3500 + 5000 + 7000);
  (void)a2;
  EXPECT_EQ(store().viewers().record_leave("missing", 1).error().code, "not_found");
}

TEST_P(EngagementRepositoryTest, RecordingsAreCreatedUpdatedAndListed) {
  User artist = make_user("artist@example.com", Role::kArtist);
  LiveStream s = make_stream(artist.id, "hash-rec");
  Recording r;
  r.stream_id = s.id;
  r.object_prefix = "recordings/" + s.id;
  r.started_at = 100;
  auto created = store().recordings().create(r);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->status, RecordingStatus::kRecording);
  Recording done = created.value();
  done.status = RecordingStatus::kReady;
  done.bytes = 123'456'789;
  done.duration_ms = 3'600'000;
  done.ended_at = 3'600'100;
  auto updated = store().recordings().update(done);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->status, RecordingStatus::kReady);
  EXPECT_EQ(updated->bytes, 123'456'789);
  auto list = store().recordings().list_for_stream(s.id);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().object_prefix, r.object_prefix);
  Recording ghost = done;
  ghost.id = "missing";
  EXPECT_EQ(store().recordings().update(ghost).error().code, "not_found");
}

// The recorder's reports land by upsert: every column, in order, and a late FINALIZING cannot
// undo an outcome. Clips are rows of kind CLIP; the retention sweep reads oldest first.
TEST_P(EngagementRepositoryTest, RecordingReportsUpsertAndNeverUndoAnOutcome) {
  User artist = make_user("artist2@example.com", Role::kArtist);
  LiveStream s = make_stream(artist.id, "hash-rec2");
  Recording r;
  r.id = "rec-1";
  r.stream_id = s.id;
  r.storage = "s3";
  r.object_prefix = "recordings/" + s.id + "/rec-1";
  r.started_at = 100;
  r.status = RecordingStatus::kFinalizing;
  ASSERT_TRUE(store().recordings().upsert(r));  // the RECORDING report was lost: still lands
  r.status = RecordingStatus::kPartial;
  r.master_key = r.object_prefix + "/master.m3u8";
  r.mp4_key = r.object_prefix + "/recording.mp4";
  r.renditions = R"(["source","360p"])";
  r.gaps = R"([{"rendition":"source","firstMsn":3}])";
  r.bytes = 5000;
  r.replay_url = "/vod/rec-1/master.m3u8";
  ASSERT_TRUE(store().recordings().upsert(r));
  Recording late = r;
  late.status = RecordingStatus::kFinalizing;
  late.bytes = 1;
  auto kept = store().recordings().upsert(late);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->status, RecordingStatus::kPartial);
  auto found = store().recordings().find("rec-1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->storage, "s3");
  EXPECT_EQ(found->gaps, r.gaps);
  EXPECT_EQ(found->bytes, 5000);
  EXPECT_EQ(*found->replay_url, "/vod/rec-1/master.m3u8");

  Recording clip;
  clip.stream_id = s.id;
  clip.kind = RecordingKind::kClip;
  clip.status = RecordingStatus::kReady;
  clip.object_prefix = "clips/" + s.id + "/c1";
  clip.started_at = 200;
  clip.bytes = 70;
  clip.title = "the drop";
  clip.source_recording_id = "rec-1";
  clip.clip_start_ms = 4000;
  ASSERT_TRUE(store().recordings().create(clip));
  EXPECT_EQ(store().recordings().total_bytes().value(), 5070);
  auto oldest = store().recordings().list_finished_oldest(1'000, 10);
  ASSERT_TRUE(oldest);
  ASSERT_EQ(oldest->size(), 2u);
  EXPECT_EQ(oldest->front().id, "rec-1");
  EXPECT_EQ(oldest->back().kind, RecordingKind::kClip);
  EXPECT_TRUE(store().recordings().list_unfinished()->empty());

  ASSERT_TRUE(store().recordings().set_stream_recording_url(s.id, "/vod/rec-1/master.m3u8"));
  EXPECT_EQ(*store().streams().find(s.id)->recording_url, "/vod/rec-1/master.m3u8");
  ASSERT_TRUE(store().recordings().remove("rec-1"));
  EXPECT_EQ(store().recordings().remove("rec-1").error().code, "not_found");
}

TEST_P(EngagementRepositoryTest, NotificationsListNewestFirstAndOnlyTheOwnerMarksRead) {
  std::vector<Notification> batch;
  for (int i = 0; i < 5; ++i) {
    batch.push_back({"", "fan-1", "stream_live", "{\"streamId\":\"s" + std::to_string(i) + "\"}",
                     1000 + i, std::nullopt});
  }
  batch.push_back({"", "fan-2", "stream_live", "{}", 1000, std::nullopt});
  ASSERT_TRUE(store().notifications().create_many(batch).ok());
  auto one = store().notifications().create({"", "fan-1", "tip_received", "{}", 2000, {}});
  ASSERT_TRUE(one.ok());

  auto list = store().notifications().list_for_user("fan-1", 3, false, std::nullopt);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].kind, "tip_received");
  EXPECT_EQ((*list)[1].created_at, 1004);
  auto older = store().notifications().list_for_user("fan-1", 10, false, 1003);
  ASSERT_TRUE(older.ok());
  EXPECT_EQ(older->size(), 3u);

  EXPECT_EQ(*store().notifications().count_unread("fan-1"), 6);
  EXPECT_EQ(store().notifications().mark_read(one->id, "fan-2", 3000).error().code, "not_found");
  ASSERT_TRUE(store().notifications().mark_read(one->id, "fan-1", 3000).ok());
  EXPECT_EQ(*store().notifications().count_unread("fan-1"), 5);
  auto unread = store().notifications().list_for_user("fan-1", 50, true, std::nullopt);
  ASSERT_TRUE(unread.ok());
  EXPECT_EQ(unread->size(), 5u);
}

TEST_P(EngagementRepositoryTest, PushSubscriptionsUpsertByEndpoint) {
  PushSubscription p{"", "fan-1", "https://push.example/abc", "BNc...", "auth1", 1};
  auto first = store().push_subscriptions().upsert(p);
  ASSERT_TRUE(first.ok());
  PushSubscription renewed{"", "fan-1", "https://push.example/abc", "BNd...", "auth2", 2};
  auto second = store().push_subscriptions().upsert(renewed);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->id, first->id);
  EXPECT_EQ(second->auth, "auth2");
  ASSERT_TRUE(store().push_subscriptions().upsert({"", "fan-1", "https://push.example/def",
                                                   "k", "a", 3})
                  .ok());
  EXPECT_EQ(store().push_subscriptions().list_for_user("fan-1")->size(), 2u);
  EXPECT_TRUE(*store().push_subscriptions().remove_by_endpoint("https://push.example/abc"));
  EXPECT_FALSE(*store().push_subscriptions().remove_by_endpoint("https://push.example/abc"));
  EXPECT_EQ(store().push_subscriptions().list_for_user("fan-1")->size(), 1u);
}

}  // namespace
}  // namespace stagecast::store::testing
