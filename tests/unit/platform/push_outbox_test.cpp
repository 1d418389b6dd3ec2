// The push outbox (docs/notifications.md): one push per subscription row with the title, body
// and watch link; 404/410 removes the subscription and fails the row; 429 and 5xx are retried,
// never sooner than Retry-After; FAILED at the retry limit; a removed subscription is not
// pushed to. And the fan-out writes one PUSH row per browser of each subscriber; a paced outbox
// starts its sends no sooner than its pace allows.

#include "platform/push_outbox.h"

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <map>

#include "platform/live_notifier.h"
#include "service_fixture.h"

namespace stagecast::platform {
namespace {

struct FakePush final : PushTransport {
  PushOutcome send(const OutgoingPush& p) override {
    auto& next = script[p.endpoint];
    if (!next.empty()) {
      PushOutcome o = next.front();
      next.pop_front();
      if (o.kind != PushOutcome::Kind::kDelivered) return o;
    }
    sent.push_back(p);
    sent_at.push_back(std::chrono::steady_clock::now());
    return {};
  }
  std::map<std::string, std::deque<PushOutcome>> script;
  std::vector<OutgoingPush> sent;
  std::vector<std::chrono::steady_clock::time_point> sent_at;
};

PushOutcome answer(PushOutcome::Kind kind, std::optional<std::chrono::milliseconds> after = {}) {
  PushOutcome o;
  o.kind = kind;
  o.error = "scripted";
  o.retry_after = after;
  return o;
}

class PushOutboxTest : public testing::ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    fan_ = register_user("fan@example.com", "FAN");
    RetryPolicy policy;
    policy.base = std::chrono::milliseconds(1000);
    policy.cap = std::chrono::milliseconds(60'000);
    policy.max_attempts = 3;
    PushOutboxOptions o;
    o.base_url = "https://live.example";
    o.lease = std::chrono::milliseconds(30'000);
    outbox_ = std::make_unique<PushOutbox>(*store_, clock_, std::vector<PushTransport*>{&push_},
                                           RetrySchedule(policy, [] { return 1.0; }), o);
  }

  store::PushSubscription browser(const std::string& endpoint) {
    store::PushSubscription s;
    s.user_id = fan_.user_id;
    s.endpoint = endpoint;
    s.p256dh = "p";
    s.auth = "a";
    s.created_at = clock_.unix_millis();
    return store_->push_subscriptions().upsert(s).value();
  }

  std::string enqueue(const store::PushSubscription& s, const std::string& stream = "s1") {
    store::Notification n;
    n.user_id = fan_.user_id;
    n.kind = "stream_live";
    n.payload = nlohmann::json{
        {"streamId", "s1"},
        {"artistName", "Ann"},
        {"title", "Night set"},
        {"watchPath", "/watch/s1"},
        {"subscriptionId",
         s.id}}.dump();
    n.created_at = n.next_attempt_at = clock_.unix_millis();
    n.stream_id = "s1";
    n.channel = store::NotificationChannel::kPush;
    n.status = store::NotificationStatus::kPending;
    n.idempotency_key = "stream_live:" + stream + ":" + fan_.user_id + ":PUSH:" + s.id;
    return store_->notifications().enqueue({n}).value().at(0).id;
  }

  store::Notification row(const std::string& id) {
    return store_->notifications().find(id).value();
  }

  FakePush push_;
  std::unique_ptr<PushOutbox> outbox_;
  Identity fan_;
};

TEST_F(PushOutboxTest, PushesTheTitleBodyAndLinkOnce) {
  const auto s = browser("https://push.example/1");
  const std::string id = enqueue(s);
  EXPECT_EQ(*outbox_->run_once(), 1u);
  EXPECT_EQ(*outbox_->run_once(), 0u);
  ASSERT_EQ(push_.sent.size(), 1u);
  EXPECT_EQ(push_.sent[0].endpoint, s.endpoint);
  EXPECT_EQ(push_.sent[0].topic, "s1");
  EXPECT_EQ(nlohmann::json::parse(push_.sent[0].payload),
            (nlohmann::json{{"title", "Ann is live"},
                            {"body", "Night set"},
                            {"url", "https://live.example/watch/s1"},
                            {"tag", "stream_live:s1"},
                            {"streamId", "s1"}}));
  EXPECT_EQ(row(id).status, store::NotificationStatus::kSent);
}

TEST_F(PushOutboxTest, GoneRemovesTheSubscription) {
  const auto s = browser("https://push.example/gone");
  push_.script[s.endpoint] = {answer(PushOutcome::Kind::kGone)};
  const std::string id = enqueue(s);
  EXPECT_EQ(*outbox_->run_once(), 1u);
  EXPECT_EQ(row(id).status, store::NotificationStatus::kFailed);
  EXPECT_TRUE(store_->push_subscriptions().list_for_user(fan_.user_id)->empty());
  // A later row for the removed subscription fails without a request.
  const std::string again = enqueue(s, "s2");
  EXPECT_EQ(*outbox_->run_once(), 1u);
  EXPECT_EQ(row(again).status, store::NotificationStatus::kFailed);
  EXPECT_TRUE(push_.sent.empty());
}

TEST_F(PushOutboxTest, RetryAfterIsHonouredThenFailedAtTheLimit) {
  const auto s = browser("https://push.example/busy");
  push_.script[s.endpoint] = {answer(PushOutcome::Kind::kRetry, std::chrono::seconds(5)),
                              answer(PushOutcome::Kind::kRetry), answer(PushOutcome::Kind::kRetry)};
  const std::string id = enqueue(s);
  EXPECT_EQ(*outbox_->run_once(), 1u);  // 429 with Retry-After: 5 s (the backoff says 1 s)
  clock_.advance(std::chrono::milliseconds(4999));
  EXPECT_EQ(*outbox_->run_once(), 0u);
  clock_.advance(std::chrono::milliseconds(1));
  EXPECT_EQ(*outbox_->run_once(), 1u);  // 5xx: next in 2 s
  clock_.advance(std::chrono::milliseconds(2000));
  EXPECT_EQ(*outbox_->run_once(), 1u);  // the third attempt fails: the limit
  const auto r = row(id);
  EXPECT_EQ(r.status, store::NotificationStatus::kFailed);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_TRUE(push_.sent.empty());
  EXPECT_EQ(store_->push_subscriptions().list_for_user(fan_.user_id)->size(), 1u);
}

TEST_F(PushOutboxTest, RejectedIsFailedAtOnce) {
  const auto s = browser("https://push.example/bad");
  push_.script[s.endpoint] = {answer(PushOutcome::Kind::kRejected)};
  const std::string id = enqueue(s);
  EXPECT_EQ(*outbox_->run_once(), 1u);
  EXPECT_EQ(row(id).status, store::NotificationStatus::kFailed);
  EXPECT_EQ(row(id).attempts, 1);
}

TEST_F(PushOutboxTest, FanOutWritesOnePushRowPerBrowser) {
  const Identity artist = register_user("artist@example.com", "ARTIST");
  store::Subscription sub;
  sub.fan_id = fan_.user_id;
  sub.artist_id = artist.user_id;
  sub.tier = 1;
  sub.status = store::SubscriptionStatus::kActive;
  ASSERT_TRUE(store_->subscriptions().upsert(sub));
  browser("https://push.example/laptop");
  browser("https://push.example/phone");
  LiveNotifierOptions lo;
  lo.push = true;
  LiveNotifier notifier(*store_, clock_, lo);
  store::LiveStream stream;
  stream.id = "s1";
  stream.artist_id = artist.user_id;
  stream.title = "Night set";
  EXPECT_EQ(*notifier.fan_out(stream), 3u);  // in-app + two browsers
  EXPECT_EQ(*notifier.fan_out(stream), 0u);
  EXPECT_EQ(*outbox_->run_once(), 2u);
  ASSERT_EQ(push_.sent.size(), 2u);
  EXPECT_NE(push_.sent[0].endpoint, push_.sent[1].endpoint);
  notifier.stop();
}

TEST_F(PushOutboxTest, APacedOutboxStartsItsSendsNoSoonerThanThePaceAllows) {
  RetryPolicy policy;
  PushOutboxOptions o;
  o.base_url = "https://live.example";
  o.per_second = 50;  // one send every 20 ms
  PushOutbox paced(*store_, clock_, std::vector<PushTransport*>{&push_},
                   RetrySchedule(policy, [] { return 1.0; }), o);
  for (int i = 0; i < 6; ++i) enqueue(browser("https://push.example/b" + std::to_string(i)));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(*paced.run_once(), 6u);
  ASSERT_EQ(push_.sent_at.size(), 6u);
  // The k-th send's turn is k x 20 ms after the first one's, which is not before `start`.
  for (size_t k = 0; k < push_.sent_at.size(); ++k) {
    EXPECT_GE(push_.sent_at[k] - start, std::chrono::milliseconds(20) * k) << "send " << k;
  }
  EXPECT_EQ(*paced.run_once(), 0u);
}

}  // namespace
}  // namespace stagecast::platform
