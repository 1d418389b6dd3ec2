// Scheduled streams (docs/notifications.md): a reminder `lead` before the time, once per time,
// for subscribers who have not muted the artist; a reschedule and a cancel tell them, and a
// cancelled stream gets no reminder. Time moves only through the ManualClock.

#include "platform/schedule_notifier.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "platform/notification_service.h"
#include "service_fixture.h"

namespace stagecast::platform {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;

class ScheduleNotifierTest : public testing::ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    service_ = std::make_unique<NotificationService>(*store_, clock_);
    fan_out_ =
        std::make_unique<LiveNotifier>(*store_, clock_, LiveNotifierOptions{1000, 500, true});
    ScheduleNotifierOptions o;
    o.lead = minutes(15);
    schedule_ = std::make_unique<ScheduleNotifier>(*store_, clock_, *fan_out_, o);
    streams().add_listener(*schedule_);
    artist_ = verified_artist("artist@example.com");
    fan_ = register_user("fan@example.com", "FAN");
    muter_ = register_user("muter@example.com", "FAN");
    for (const Identity* f : {&fan_, &muter_}) {
      store::Subscription s;
      s.fan_id = f->user_id;
      s.artist_id = artist_.user_id;
      s.created_at = s.updated_at = clock_.unix_millis();
      ASSERT_TRUE(store_->subscriptions().upsert(s).ok());
    }
    NotificationSettingsInput mute;
    mute.muted_artists = std::vector<std::string>{artist_.user_id};
    ASSERT_TRUE(service_->update_settings(muter_, mute).ok());
  }

  store::LiveStream scheduled(int64_t in_ms, const std::string& title = "Night set") {
    StreamInput in;
    in.title = title;
    in.scheduled_at = std::optional<int64_t>(clock_.unix_millis() + in_ms);
    auto created = streams().create(artist_, in);
    EXPECT_TRUE(created.ok());
    return created->stream;
  }

  // The kinds of the in-app notifications `who` has, oldest first.
  std::vector<std::string> kinds(const Identity& who) {
    auto page = service_->list(who, 100, false, std::nullopt);
    EXPECT_TRUE(page.ok());
    std::vector<std::string> out;
    for (const auto& n : page->items) out.insert(out.begin(), n.kind);
    return out;
  }

  // The kinds of the EMAIL rows written for `who`, ordered by kind.
  std::vector<std::string> mail_kinds(const Identity& who, const std::string& stream_id) {
    auto rows = store_->notifications().told_about(
        stream_id,
        {"stream_scheduled", "stream_reminder", "stream_rescheduled", "stream_cancelled"});
    EXPECT_TRUE(rows.ok());
    std::vector<std::string> out;
    for (const auto& r : *rows) {
      if (r.user_id == who.user_id && r.channel == store::NotificationChannel::kEmail) {
        out.push_back(r.idempotency_key.substr(0, r.idempotency_key.find(':')));
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  void set_muted(const Identity& who, bool muted) {
    NotificationSettingsInput in;
    in.muted_artists =
        muted ? std::vector<std::string>{artist_.user_id} : std::vector<std::string>{};
    ASSERT_TRUE(service_->update_settings(who, in).ok());
  }

  std::unique_ptr<NotificationService> service_;
  std::unique_ptr<LiveNotifier> fan_out_;
  std::unique_ptr<ScheduleNotifier> schedule_;
  Identity artist_, fan_, muter_;
};

TEST_F(ScheduleNotifierTest, TheReminderFiresAtTheLeadTimeOnceAndNotForMutedFans) {
  const store::LiveStream s = scheduled(60 * 60'000);  // in one hour
  ASSERT_TRUE(schedule_->run_once().ok());
  const std::vector<std::string> announced{"stream_scheduled"};
  EXPECT_EQ(kinds(fan_), announced);  // created with a time: the fans hear of it once
  EXPECT_EQ(*schedule_->next_reminder_at(), *s.scheduled_at - 15 * 60'000);

  clock_.advance(minutes(45) - milliseconds(1));
  ASSERT_TRUE(schedule_->run_once().ok());
  EXPECT_EQ(kinds(fan_), announced);  // one millisecond early
  clock_.advance(milliseconds(1));
  auto written = schedule_->run_once();
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(*written, 2u);  // in-app and email for the fan; nothing for the one who muted
  EXPECT_EQ(kinds(fan_), (std::vector<std::string>{"stream_scheduled", "stream_reminder"}));
  EXPECT_TRUE(kinds(muter_).empty());
  EXPECT_FALSE(*schedule_->next_reminder_at());

  clock_.advance(minutes(1));
  EXPECT_EQ(*schedule_->run_once(), 0u);  // once
  auto mails = store_->notifications().claim_due(store::NotificationChannel::kEmail,
                                                 clock_.unix_millis(), 50, 1000);
  ASSERT_EQ(mails->size(), 2u);  // the notice, then the reminder
  EXPECT_EQ(mails->at(0).idempotency_key, "stream_scheduled:" + s.id + ":" +
                                              std::to_string(*s.scheduled_at) + ":" + fan_.user_id +
                                              ":EMAIL");
  EXPECT_EQ(mails->at(1).idempotency_key, "stream_reminder:" + s.id + ":" +
                                              std::to_string(*s.scheduled_at) + ":" + fan_.user_id +
                                              ":EMAIL");
}

TEST_F(ScheduleNotifierTest, ACancelledStreamSendsNoReminderButTellsOfTheCancel) {
  const store::LiveStream s = scheduled(60 * 60'000);
  const store::LiveStream deleted = scheduled(30 * 60'000, "Other");
  ASSERT_TRUE(schedule_->run_once().ok());  // the fans hear of both
  clock_.advance(std::chrono::seconds(1));
  ASSERT_TRUE(streams().end(artist_, s.id).ok());
  ASSERT_TRUE(streams().remove(artist_, deleted.id).ok());
  ASSERT_TRUE(schedule_->run_once().ok());
  EXPECT_EQ(kinds(fan_), (std::vector<std::string>{"stream_scheduled", "stream_scheduled",
                                                   "stream_cancelled", "stream_cancelled"}));
  clock_.advance(minutes(50));
  EXPECT_EQ(*schedule_->run_once(), 0u);
  clock_.advance(minutes(20));
  EXPECT_EQ(*schedule_->run_once(), 0u);
  EXPECT_EQ(kinds(fan_).size(), 4u);  // no reminder ever
  EXPECT_TRUE(kinds(muter_).empty());
}

TEST_F(ScheduleNotifierTest, ARescheduleTellsFansAndTheReminderFollowsTheNewTime) {
  const store::LiveStream s = scheduled(20 * 60'000);
  ASSERT_TRUE(schedule_->run_once().ok());
  clock_.advance(minutes(5));
  ASSERT_TRUE(schedule_->run_once().ok());
  EXPECT_EQ(kinds(fan_), (std::vector<std::string>{"stream_scheduled", "stream_reminder"}));
  // A second later: the list is newest first, and rows of the same instant have no order.
  clock_.advance(std::chrono::seconds(1));

  StreamInput later;
  later.scheduled_at = std::optional<int64_t>(*s.scheduled_at + 60 * 60'000);
  ASSERT_TRUE(streams().patch(artist_, s.id, later).ok());
  ASSERT_TRUE(schedule_->run_once().ok());
  EXPECT_EQ(kinds(fan_), (std::vector<std::string>{"stream_scheduled", "stream_reminder",
                                                   "stream_rescheduled"}));
  auto page = service_->list(fan_, 1, false, std::nullopt);
  const nlohmann::json data = nlohmann::json::parse(page->items[0].payload);
  EXPECT_EQ(data["scheduledAt"], **later.scheduled_at);
  EXPECT_EQ(data["previousScheduledAt"], *s.scheduled_at);

  StreamInput same_title;
  same_title.title = "Renamed";
  ASSERT_TRUE(streams().patch(artist_, s.id, same_title).ok());  // no time change: no notice
  clock_.advance(minutes(59));
  ASSERT_TRUE(schedule_->run_once().ok());
  EXPECT_EQ(kinds(fan_).size(), 3u);
  clock_.advance(minutes(1));
  ASSERT_TRUE(schedule_->run_once().ok());
  EXPECT_EQ(kinds(fan_), (std::vector<std::string>{"stream_scheduled", "stream_reminder",
                                                   "stream_rescheduled", "stream_reminder"}));
}

TEST_F(ScheduleNotifierTest, TheThreadWakesForAReminderDueSoon) {
  // The real thread under the ManualClock: a stream whose reminder is due is reminded without
  // anyone calling run_once.
  const store::LiveStream s = scheduled(30 * 60'000);
  ASSERT_TRUE(schedule_->run_once().ok());  // the notice
  clock_.advance(minutes(16));              // inside the lead: the reminder is due now
  schedule_->start();
  for (int i = 0; i < 200 && kinds(fan_).size() < 2; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  schedule_->stop();
  EXPECT_EQ(kinds(fan_), (std::vector<std::string>{"stream_scheduled", "stream_reminder"}));
}

TEST_F(ScheduleNotifierTest, ATimeSetOnAStreamWithoutOneIsAnnouncedOnceWithItsLinks) {
  StreamInput in;
  in.title = "Open air";
  auto created = streams().create(artist_, in);
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(schedule_->run_once().ok());
  EXPECT_TRUE(kinds(fan_).empty());  // no time, nothing to announce
  const int64_t at = clock_.unix_millis() + 3 * 60 * 60'000;
  StreamInput set;
  set.scheduled_at = std::optional<int64_t>(at);
  ASSERT_TRUE(streams().patch(artist_, created->stream.id, set).ok());
  EXPECT_EQ(*schedule_->run_once(), 2u);  // in-app and email for the fan, none for the muter
  EXPECT_EQ(kinds(fan_), std::vector<std::string>{"stream_scheduled"});
  EXPECT_TRUE(kinds(muter_).empty());
  auto page = service_->list(fan_, 1, false, std::nullopt);
  const nlohmann::json data = nlohmann::json::parse(page->items[0].payload);
  EXPECT_EQ(data["scheduledAt"], at);
  EXPECT_EQ(data["watchPath"], "/watch/" + created->stream.id);
  EXPECT_EQ(data["calendarPath"], "/api/livestream/" + created->stream.id + "/calendar.ics");
  // The same change heard again (a retried write, a second node): no second notice.
  auto again = created->stream;
  again.scheduled_at = at;
  again.status = store::StreamStatus::kScheduled;
  schedule_->schedule_changed(again, std::nullopt, false);
  EXPECT_EQ(*schedule_->run_once(), 0u);
  EXPECT_EQ(kinds(fan_).size(), 1u);
}

TEST_F(ScheduleNotifierTest, ATimeInsideTheLeadIsAnnouncedWithoutASecondReminder) {
  scheduled(10 * 60'000);  // inside the lead
  ASSERT_TRUE(schedule_->run_once().ok());
  clock_.advance(minutes(1));
  EXPECT_EQ(*schedule_->run_once(), 0u);
  EXPECT_EQ(kinds(fan_), std::vector<std::string>{"stream_scheduled"});
  EXPECT_FALSE(*schedule_->next_reminder_at());
}

TEST_F(ScheduleNotifierTest, FiveMinutesAheadIsOneNoticeTwoHoursAheadANoticeAndTheReminder) {
  const store::LiveStream soon = scheduled(5 * 60'000);
  const store::LiveStream later = scheduled(2 * 60 * 60'000, "Later");
  ASSERT_TRUE(schedule_->run_once().ok());
  for (int i = 0; i < 10; ++i) {  // up to the first stream's time
    clock_.advance(std::chrono::seconds(29));
    ASSERT_TRUE(schedule_->run_once().ok());
  }
  EXPECT_EQ(mail_kinds(fan_, soon.id), std::vector<std::string>{"stream_scheduled"});
  EXPECT_EQ(mail_kinds(fan_, later.id), std::vector<std::string>{"stream_scheduled"});
  // The other one's reminder lands at its time - 15 min, to the millisecond.
  EXPECT_EQ(*schedule_->next_reminder_at(), *later.scheduled_at - 15 * 60'000);
  clock_.advance(milliseconds(*later.scheduled_at - 15 * 60'000 - clock_.unix_millis() - 1));
  ASSERT_TRUE(schedule_->run_once().ok());
  EXPECT_EQ(mail_kinds(fan_, later.id), std::vector<std::string>{"stream_scheduled"});
  clock_.advance(milliseconds(1));
  ASSERT_TRUE(schedule_->run_once().ok());
  EXPECT_EQ(mail_kinds(fan_, later.id),
            (std::vector<std::string>{"stream_reminder", "stream_scheduled"}));
  EXPECT_TRUE(kinds(muter_).empty());
}

TEST_F(ScheduleNotifierTest, ARescheduleIntoTheLeadStandsForTheReminder) {
  const store::LiveStream s = scheduled(2 * 60 * 60'000);
  ASSERT_TRUE(schedule_->run_once().ok());
  clock_.advance(std::chrono::seconds(1));
  StreamInput sooner;
  sooner.scheduled_at = std::optional<int64_t>(clock_.unix_millis() + 5 * 60'000);
  ASSERT_TRUE(streams().patch(artist_, s.id, sooner).ok());
  ASSERT_TRUE(schedule_->run_once().ok());
  for (int i = 0; i < 5; ++i) {
    clock_.advance(minutes(1));
    ASSERT_TRUE(schedule_->run_once().ok());
  }
  EXPECT_EQ(kinds(fan_), (std::vector<std::string>{"stream_scheduled", "stream_rescheduled"}));
  EXPECT_EQ(mail_kinds(fan_, s.id),
            (std::vector<std::string>{"stream_rescheduled", "stream_scheduled"}));
}

TEST_F(ScheduleNotifierTest, AReminderWrittenFirstLeavesTheNoticeOut) {
  // Another node's scheduler (or this one's round, between the stream's write and its change
  // being queued) reminds a stream created inside the lead before its notice is written: the
  // reminder named the time, and the notice is left out.
  ScheduleNotifierOptions o;
  o.lead = minutes(15);
  ScheduleNotifier other(*store_, clock_, *fan_out_, o);
  const store::LiveStream s = scheduled(5 * 60'000);
  ASSERT_TRUE(other.run_once().ok());
  ASSERT_TRUE(schedule_->run_once().ok());
  EXPECT_EQ(kinds(fan_), std::vector<std::string>{"stream_reminder"});
  EXPECT_EQ(mail_kinds(fan_, s.id), std::vector<std::string>{"stream_reminder"});
}

TEST_F(ScheduleNotifierTest, ChangesAreToldOnlyToFansWhoHeardOfTheSchedule) {
  const Identity late = register_user("late@example.com", "FAN");
  const Identity quiet = register_user("quiet@example.com", "FAN");  // email off when scheduled
  NotificationSettingsInput no_mail;
  no_mail.email = false;
  ASSERT_TRUE(service_->update_settings(quiet, no_mail).ok());
  for (const Identity* f : {&late, &quiet}) {
    store::Subscription sub;
    sub.fan_id = f->user_id;
    sub.artist_id = artist_.user_id;
    sub.created_at = sub.updated_at = clock_.unix_millis();
    ASSERT_TRUE(store_->subscriptions().upsert(sub).ok());
  }
  set_muted(late, true);  // muted while the stream is announced
  const store::LiveStream s = scheduled(2 * 60 * 60'000);
  ASSERT_TRUE(schedule_->run_once().ok());
  set_muted(late, false);
  NotificationSettingsInput mail_on;
  mail_on.email = true;
  ASSERT_TRUE(service_->update_settings(quiet, mail_on).ok());
  EXPECT_TRUE(kinds(late).empty());

  // Moved: a reschedule for those who heard of it, on the channels they heard it on; the
  // schedule's first notice for the fan who did not.
  clock_.advance(std::chrono::seconds(1));
  StreamInput later;
  later.scheduled_at = std::optional<int64_t>(*s.scheduled_at + 60 * 60'000);
  ASSERT_TRUE(streams().patch(artist_, s.id, later).ok());
  ASSERT_TRUE(schedule_->run_once().ok());
  EXPECT_EQ(kinds(fan_), (std::vector<std::string>{"stream_scheduled", "stream_rescheduled"}));
  EXPECT_EQ(kinds(quiet), (std::vector<std::string>{"stream_scheduled", "stream_rescheduled"}));
  EXPECT_EQ(mail_kinds(quiet, s.id), std::vector<std::string>{"stream_scheduled"});
  EXPECT_EQ(kinds(late), std::vector<std::string>{"stream_scheduled"});
  EXPECT_EQ(mail_kinds(late, s.id), std::vector<std::string>{"stream_scheduled"});
  // The same change heard twice (a retried write): nothing more, and the fan who got the first
  // notice is not taken for one who had heard of the old time.
  auto again = s;
  again.scheduled_at = *later.scheduled_at;
  schedule_->schedule_changed(again, s.scheduled_at, false);
  EXPECT_EQ(*schedule_->run_once(), 0u);

  // Cancelled: everyone who heard of it by now, on those channels.
  clock_.advance(std::chrono::seconds(1));
  const Identity newcomer = register_user("new@example.com", "FAN");
  store::Subscription sub;
  sub.fan_id = newcomer.user_id;
  sub.artist_id = artist_.user_id;
  sub.created_at = sub.updated_at = clock_.unix_millis();
  ASSERT_TRUE(store_->subscriptions().upsert(sub).ok());
  ASSERT_TRUE(streams().end(artist_, s.id).ok());
  ASSERT_TRUE(schedule_->run_once().ok());
  EXPECT_EQ(kinds(fan_).back(), "stream_cancelled");
  EXPECT_EQ(kinds(late).back(), "stream_cancelled");
  EXPECT_EQ(mail_kinds(quiet, s.id),
            (std::vector<std::string>{"stream_cancelled", "stream_scheduled"}));
  EXPECT_EQ(
      mail_kinds(fan_, s.id),
      (std::vector<std::string>{"stream_cancelled", "stream_rescheduled", "stream_scheduled"}));
  EXPECT_TRUE(kinds(newcomer).empty());  // never heard of it: no cancel
  EXPECT_TRUE(kinds(muter_).empty());
}

TEST_F(ScheduleNotifierTest, AStreamMovedBeforeItsNoticeIsAnnouncedOnceAtItsNewTime) {
  const store::LiveStream s = scheduled(2 * 60 * 60'000);
  StreamInput later;
  later.scheduled_at = std::optional<int64_t>(*s.scheduled_at + 60 * 60'000);
  ASSERT_TRUE(streams().patch(artist_, s.id, later).ok());
  ASSERT_TRUE(schedule_->run_once().ok());  // both changes in one round
  EXPECT_EQ(kinds(fan_), std::vector<std::string>{"stream_scheduled"});
  auto page = service_->list(fan_, 1, false, std::nullopt);
  EXPECT_EQ(nlohmann::json::parse(page->items[0].payload)["scheduledAt"], **later.scheduled_at);
  // Cancelled before anyone heard of it: nothing.
  const store::LiveStream gone = scheduled(3 * 60 * 60'000, "Gone");
  ASSERT_TRUE(streams().end(artist_, gone.id).ok());
  ASSERT_TRUE(schedule_->run_once().ok());
  EXPECT_EQ(kinds(fan_).size(), 1u);
}

}  // namespace
}  // namespace stagecast::platform
