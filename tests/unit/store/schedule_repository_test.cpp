// Scheduled streams and mutes in the store (docs/notifications.md, docs/storage.md): Coming up
// soonest first; a reminder is due once per scheduled time and again after a reschedule; ended
// and deleted streams are never due; mutes replace, toggle and are found per artist.

#include <gtest/gtest.h>

#include "store_fixture.h"

namespace stagecast::store::testing {
namespace {

STAGECAST_STORE_SUITE(ScheduleRepositoryTest);

TEST_P(ScheduleRepositoryTest, RemindersAreDueOncePerScheduledTime) {
  User artist = make_user("artist@example.com", Role::kArtist);
  const int64_t now = clock_.unix_millis();
  const auto schedule = [&](const std::string& hash, int64_t at) {
    LiveStream s = make_stream(artist.id, hash);
    StreamSettingsUpdate u;
    u.scheduled_at = std::optional<int64_t>(at);
    return *store().streams().update_settings(s.id, u, now);
  };
  LiveStream later = schedule("hash-later", now + 3 * 3600'000);
  LiveStream soon = schedule("hash-soon", now + 10 * 60'000);
  LiveStream ended = schedule("hash-ended", now + 5 * 60'000);
  LiveStream deleted = schedule("hash-deleted", now + 6 * 60'000);
  ASSERT_TRUE(store().streams().mark_ended(ended.id, now, "ended_by_owner").ok());
  ASSERT_TRUE(store().streams().soft_delete(deleted.id, now).ok());
  make_stream(artist.id, "hash-unscheduled");

  auto upcoming = store().streams().list_upcoming(now, 10);
  ASSERT_TRUE(upcoming.ok());
  ASSERT_EQ(upcoming->size(), 2u);
  EXPECT_EQ((*upcoming)[0].id, soon.id);
  EXPECT_EQ((*upcoming)[1].id, later.id);

  const int64_t lead = 15 * 60'000;
  auto due = store().streams().list_reminders_due(now, lead, 50);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].id, soon.id);
  EXPECT_EQ(*store().streams().next_unreminded(now), soon.scheduled_at);

  ASSERT_TRUE(store().streams().mark_reminded(soon.id, *soon.scheduled_at).ok());
  EXPECT_TRUE(store().streams().list_reminders_due(now, lead, 50)->empty());
  EXPECT_EQ(*store().streams().next_unreminded(now), later.scheduled_at);

  // A reschedule into the window makes it due again, for the new time; marking the old time
  // (a reminder written before the reschedule) changes nothing.
  StreamSettingsUpdate u;
  u.scheduled_at = std::optional<int64_t>(now + 12 * 60'000);
  ASSERT_TRUE(store().streams().update_settings(soon.id, u, now).ok());
  ASSERT_TRUE(store().streams().mark_reminded(soon.id, *soon.scheduled_at).ok());
  due = store().streams().list_reminders_due(now, lead, 50);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].scheduled_at, now + 12 * 60'000);
  // A time already passed is never due.
  EXPECT_TRUE(store().streams().list_reminders_due(now + 13 * 60'000, lead, 50)->empty());
}

TEST_P(ScheduleRepositoryTest, AReminderIsClaimedOncePerTimeAndCanBeReleased) {
  User artist = make_user("artist@example.com", Role::kArtist);
  const int64_t now = clock_.unix_millis();
  LiveStream s = make_stream(artist.id, "hash-claim");
  StreamSettingsUpdate u;
  u.scheduled_at = std::optional<int64_t>(now + 5 * 60'000);
  s = *store().streams().update_settings(s.id, u, now);
  auto& streams = store().streams();
  EXPECT_FALSE(*streams.claim_reminder(s.id, now + 6 * 60'000));  // not its time
  EXPECT_TRUE(*streams.claim_reminder(s.id, *s.scheduled_at));
  EXPECT_FALSE(*streams.claim_reminder(s.id, *s.scheduled_at));  // once
  EXPECT_TRUE(streams.list_reminders_due(now, 15 * 60'000, 50)->empty());
  ASSERT_TRUE(streams.release_reminder(s.id, *s.scheduled_at).ok());
  EXPECT_EQ(streams.list_reminders_due(now, 15 * 60'000, 50)->size(), 1u);
  // Reminded by the scheduler's round: nothing left to claim.
  ASSERT_TRUE(streams.mark_reminded(s.id, *s.scheduled_at).ok());
  EXPECT_FALSE(*streams.claim_reminder(s.id, *s.scheduled_at));
  ASSERT_TRUE(streams.mark_ended(s.id, now, "ended_by_owner").ok());
  ASSERT_TRUE(streams.release_reminder(s.id, *s.scheduled_at).ok());
  EXPECT_FALSE(*streams.claim_reminder(s.id, *s.scheduled_at));  // no longer SCHEDULED
}

TEST_P(ScheduleRepositoryTest, WhoWasToldAboutAStreamIsReadByKindLeavingOutFailedRows) {
  auto& n = store().notifications();
  const auto row = [&](const std::string& user, const std::string& kind, NotificationChannel ch,
                       NotificationStatus status, const std::string& stream = "stream-1") {
    Notification r;
    r.user_id = user;
    r.kind = kind;
    r.payload = "{}";
    r.stream_id = stream;
    r.channel = ch;
    r.status = status;
    r.idempotency_key = kind + ":" + stream + ":" + user + ":" + std::string(to_string(ch));
    return r;
  };
  ASSERT_TRUE(
      n.enqueue(
           {row("a", "stream_scheduled", NotificationChannel::kInApp, NotificationStatus::kSent),
            row("a", "stream_scheduled", NotificationChannel::kEmail, NotificationStatus::kPending),
            row("b", "stream_reminder", NotificationChannel::kPush, NotificationStatus::kSent),
            row("c", "stream_scheduled", NotificationChannel::kEmail, NotificationStatus::kFailed),
            row("d", "stream_live", NotificationChannel::kInApp, NotificationStatus::kSent),
            row("e", "stream_scheduled", NotificationChannel::kInApp, NotificationStatus::kSent,
                "stream-2")})
          .ok());
  auto told = n.told_about("stream-1", {"stream_scheduled", "stream_reminder"});
  ASSERT_TRUE(told.ok());
  std::vector<std::string> got;
  for (const NotifiedRecipient& r : *told) {
    got.push_back(r.user_id + "/" + std::string(to_string(r.channel)) + "/" + r.idempotency_key);
  }
  EXPECT_EQ(got, (std::vector<std::string>{
                     "a/EMAIL/stream_scheduled:stream-1:a:EMAIL",
                     "a/IN_APP/stream_scheduled:stream-1:a:IN_APP",
                     "b/PUSH/stream_reminder:stream-1:b:PUSH",
                 }));
  EXPECT_TRUE(n.told_about("stream-1", {})->empty());
  EXPECT_TRUE(n.told_about("stream-3", {"stream_scheduled"})->empty());
}

TEST_P(ScheduleRepositoryTest, MutesReplaceToggleAndAreFoundPerArtist) {
  auto& n = store().notifications();
  EXPECT_TRUE(n.muted_artists("fan-1")->empty());
  ASSERT_TRUE(n.set_muted_artists("fan-1", {"b", "a"}, 10).ok());
  EXPECT_EQ(*n.muted_artists("fan-1"), (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(n.set_muted("fan-2", "a", true, 11).ok());
  ASSERT_TRUE(n.set_muted("fan-2", "a", true, 12).ok());  // idempotent
  auto by = n.muted_by("a");
  std::sort(by->begin(), by->end());
  EXPECT_EQ(*by, (std::vector<std::string>{"fan-1", "fan-2"}));
  ASSERT_TRUE(n.set_muted_artists("fan-1", {"c"}, 13).ok());
  EXPECT_EQ(*n.muted_artists("fan-1"), std::vector<std::string>{"c"});
  ASSERT_TRUE(n.set_muted("fan-2", "a", false, 14).ok());
  EXPECT_TRUE(n.muted_by("a")->empty());
}

}  // namespace
}  // namespace stagecast::store::testing
