// Going live writes one in-app notification per active subscriber who allows them, once, and
// the caller's NotificationService sees only their own (docs/notifications.md).

#include "platform/live_notifier.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "platform/notification_service.h"
#include "platform/notification_view.h"
#include "service_fixture.h"

namespace stagecast::platform {
namespace {

struct RecordingEvents final : NotificationEvents {
  void in_app_created(const store::Notification& n) override { users.push_back(n.user_id); }
  void pending_written(store::NotificationChannel c) override {
    if (c == store::NotificationChannel::kEmail) ++email_wakeups;
  }
  std::vector<std::string> users;
  int email_wakeups = 0;
};

class LiveNotifierTest : public testing::ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    service_ = std::make_unique<NotificationService>(*store_, clock_);
    notifier_ = std::make_unique<LiveNotifier>(*store_, clock_, LiveNotifierOptions{1000, 2, true});
    notifier_->add_listener(events_);
    streams().add_listener(*notifier_);
    artist_ = verified_artist("artist@example.com");
    for (const char* name : {"a", "b", "c", "d", "e"}) {
      fans_.push_back(register_user(std::string(name) + "@example.com", "FAN"));
    }
    // a, b, c active; d expired; e not subscribed at all. c turned in-app off.
    const int64_t now = clock_.unix_millis();
    subscribe(fans_[0], std::nullopt);
    subscribe(fans_[1], now + 60'000);
    subscribe(fans_[2], std::nullopt);
    subscribe(fans_[3], now - 1);
    NotificationSettingsInput off;
    off.in_app = false;
    ASSERT_TRUE(service().update_settings(fans_[2], off).ok());
    NotificationSettingsInput no_email;
    no_email.email = false;
    ASSERT_TRUE(service().update_settings(fans_[1], no_email).ok());
  }

  void subscribe(const Identity& fan, std::optional<int64_t> expires) {
    store::Subscription s;
    s.fan_id = fan.user_id;
    s.artist_id = artist_.user_id;
    s.expires_at = expires;
    s.created_at = s.updated_at = clock_.unix_millis();
    ASSERT_TRUE(store_->subscriptions().upsert(s).ok());
  }

  store::LiveStream go_live() {
    StreamInput in;
    in.title = "Late show";
    auto created = streams().create(artist_, in);
    EXPECT_TRUE(created.ok());
    auto live = streams().mark_live(created->stream.id);
    EXPECT_TRUE(live.ok());
    notifier_->stop();  // drains the queued fan-out
    return *live;
  }

  NotificationService& service() { return *service_; }
  std::unique_ptr<NotificationService> service_;
  RecordingEvents events_;
  std::unique_ptr<LiveNotifier> notifier_;
  Identity artist_;
  std::vector<Identity> fans_;
};

TEST_F(LiveNotifierTest, ActiveSubscribersWhoAllowInAppGetOneNotificationEach) {
  const store::LiveStream live = go_live();
  std::vector<std::string> told = events_.users, subscribed{fans_[0].user_id, fans_[1].user_id};
  std::sort(told.begin(), told.end());
  std::sort(subscribed.begin(), subscribed.end());
  EXPECT_EQ(told, subscribed);

  auto page = service().list(fans_[0], 20, false, std::nullopt);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->unread_count, 1);
  const nlohmann::json j = notification_json(page->items[0]);
  EXPECT_EQ(j["kind"], "stream_live");
  EXPECT_EQ(j["streamId"], live.id);
  EXPECT_EQ(j["read"], false);
  EXPECT_EQ(j["data"]["title"], "Late show");
  EXPECT_EQ(j["data"]["artistName"], artist_.display_name);
  EXPECT_EQ(j["data"]["watchPath"], "/watch/" + live.id);
  for (size_t i : {2u, 3u, 4u}) {
    EXPECT_TRUE(service().list(fans_[i], 20, false, std::nullopt)->items.empty()) << i;
  }

  // Email rows wait for the email outbox: a (all on) and c (in-app off, email on); not b.
  auto due = store_->notifications().claim_due(store::NotificationChannel::kEmail,
                                               clock_.unix_millis(), 50, 1000);
  ASSERT_TRUE(due.ok());
  std::vector<std::string> mailed;
  for (const auto& n : *due) mailed.push_back(n.user_id);
  std::sort(mailed.begin(), mailed.end());
  std::vector<std::string> expected{fans_[0].user_id, fans_[2].user_id};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(mailed, expected);
  EXPECT_GE(events_.email_wakeups, 1);  // once per transaction that held email rows

  // A second announcement (another node, a retry) writes nothing and tells nobody.
  auto again = notifier_->fan_out(live);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0u);
  EXPECT_EQ(events_.users.size(), 2u);
}

TEST_F(LiveNotifierTest, OnlyTheOwnerMarksReadAndTheUnreadCountFollows) {
  go_live();
  const std::string id = service().list(fans_[0], 20, false, std::nullopt)->items[0].id;
  EXPECT_EQ(service().mark_read(fans_[1], id).error().code, "not_found");
  ASSERT_TRUE(service().mark_read(fans_[0], id).ok());
  ASSERT_TRUE(service().mark_read(fans_[0], id).ok());  // twice is fine
  auto page = service().list(fans_[0], 20, false, std::nullopt);
  EXPECT_EQ(page->unread_count, 0);
  EXPECT_TRUE(page->items[0].read_at.has_value());
  EXPECT_TRUE(service().list(fans_[0], 20, true, std::nullopt)->items.empty());
  EXPECT_EQ(service().list(fans_[1], 20, false, std::nullopt)->unread_count, 1);
}

}  // namespace
}  // namespace stagecast::platform
