// The email outbox (docs/notifications.md): sends each due row once, retries transient failures
// with backoff under the injected clock, gives up on permanent ones and at the retry limit; and
// what the mail says.

#include "platform/email_outbox.h"

#include <gtest/gtest.h>

#include <deque>
#include <map>

#include "platform/notification_email.h"
#include "service_fixture.h"

namespace stagecast::platform {
namespace {

struct FakeTransport final : MailTransport {
  Result<void> send(const OutgoingMail& mail) override {
    auto& next = failures[mail.to];
    if (!next.empty()) {
      std::string code = next.front();
      next.pop_front();
      return make_error(code, "scripted");
    }
    sent.push_back(mail);
    return {};
  }
  // Per recipient: codes of their next sends that fail.
  std::map<std::string, std::deque<std::string>> failures;
  std::vector<OutgoingMail> sent;
};

class EmailOutboxTest : public testing::ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    fan_ = register_user("fan@example.com", "FAN");
    RetryPolicy policy;
    policy.base = std::chrono::milliseconds(1000);
    policy.cap = std::chrono::milliseconds(8000);
    policy.max_attempts = 3;
    EmailOutboxOptions o;
    o.base_url = "https://live.example";
    o.message_id_domain = "example.com";
    o.lease = std::chrono::milliseconds(60'000);
    outbox_ = std::make_unique<EmailOutbox>(*store_, clock_, transport_,
                                            RetrySchedule(policy, [] { return 1.0; }), o);
  }

  std::string enqueue(const std::string& user_id, const std::string& title) {
    store::Notification n;
    n.user_id = user_id;
    n.kind = "stream_live";
    n.payload = nlohmann::json{{"streamId", "s1"},
                               {"artistId", "artist-7"},
                               {"artistName", "Ann & Co"},
                               {"title", title},
                               {"watchPath", "/watch/s1"}}
                    .dump();
    n.created_at = n.next_attempt_at = clock_.unix_millis();
    n.stream_id = "s1";
    n.channel = store::NotificationChannel::kEmail;
    n.status = store::NotificationStatus::kPending;
    n.idempotency_key = "stream_live:s1:" + user_id + ":EMAIL";
    auto rows = store_->notifications().enqueue({n});
    EXPECT_TRUE(rows.ok() && rows->size() == 1);
    return rows->at(0).id;
  }

  store::NotificationStatus status(const std::string& id) {
    return store_->notifications().find(id)->status;
  }

  FakeTransport transport_;
  std::unique_ptr<EmailOutbox> outbox_;
  Identity fan_;
};

TEST_F(EmailOutboxTest, SendsOnceWithTheStreamsTitleAndLink) {
  const std::string id = enqueue(fan_.user_id, "<Night> set");
  EXPECT_EQ(*outbox_->run_once(), 1u);
  EXPECT_EQ(*outbox_->run_once(), 0u);  // SENT: never again
  ASSERT_EQ(transport_.sent.size(), 1u);
  const OutgoingMail& m = transport_.sent[0];
  EXPECT_EQ(m.to, "fan@example.com");
  EXPECT_EQ(m.subject, "Ann & Co is live: <Night> set");
  EXPECT_NE(m.text.find("https://live.example/watch/s1"), std::string::npos);
  EXPECT_NE(m.html.find("&lt;Night&gt; set"), std::string::npos);  // escaped
  EXPECT_NE(m.html.find("Ann &amp; Co"), std::string::npos);
  EXPECT_EQ(m.message_id, "stream_live.s1." + fan_.user_id + ".EMAIL@example.com");
  EXPECT_EQ(status(id), store::NotificationStatus::kSent);
}

TEST_F(EmailOutboxTest, TransientFailuresBackOffThenSucceed) {
  const std::string id = enqueue(fan_.user_id, "Set");
  transport_.failures["fan@example.com"] = {kMailTransient, kMailTransient};
  EXPECT_EQ(*outbox_->run_once(), 1u);  // attempt 1 fails: next in 1 s (jitter drawn at 1.0)
  clock_.advance(std::chrono::milliseconds(999));
  EXPECT_EQ(*outbox_->run_once(), 0u);
  clock_.advance(std::chrono::milliseconds(1));
  EXPECT_EQ(*outbox_->run_once(), 1u);  // attempt 2 fails: next in 2 s
  clock_.advance(std::chrono::milliseconds(1999));
  EXPECT_EQ(*outbox_->run_once(), 0u);
  clock_.advance(std::chrono::milliseconds(1));
  EXPECT_EQ(*outbox_->run_once(), 1u);  // attempt 3 succeeds
  EXPECT_EQ(transport_.sent.size(), 1u);
  auto row = store_->notifications().find(id);
  EXPECT_EQ(row->status, store::NotificationStatus::kSent);
  EXPECT_EQ(row->attempts, 3);
}

TEST_F(EmailOutboxTest, PermanentFailuresAndTheRetryLimitEndFailed) {
  const std::string refused = enqueue(fan_.user_id, "Refused");
  const Identity other = register_user("other@example.com", "FAN");
  const std::string flaky = enqueue(other.user_id, "Flaky");
  transport_.failures["fan@example.com"] = {kMailPermanent};
  transport_.failures["other@example.com"] = {kMailTransient, kMailTransient, kMailTransient};
  EXPECT_EQ(*outbox_->run_once(), 2u);
  EXPECT_EQ(status(refused), store::NotificationStatus::kFailed);
  for (int i = 0; i < 2; ++i) {
    clock_.advance(std::chrono::seconds(10));
    EXPECT_EQ(*outbox_->run_once(), 1u);
  }
  auto row = store_->notifications().find(flaky);
  EXPECT_EQ(row->status, store::NotificationStatus::kFailed);  // 3 attempts, the limit
  EXPECT_EQ(row->attempts, 3);
  EXPECT_EQ(row->last_error, std::optional<std::string>("mail_transient: scripted"));
  clock_.advance(std::chrono::hours(1));
  EXPECT_EQ(*outbox_->run_once(), 0u);
  EXPECT_TRUE(transport_.sent.empty());
}

TEST(RetrySchedule, DoublesUpToTheCapWithEqualJitter) {
  RetryPolicy p;
  p.base = std::chrono::milliseconds(100);
  p.cap = std::chrono::milliseconds(1000);
  p.max_attempts = 5;
  double draw = 0.0;
  RetrySchedule low(p, [&] { return draw; });
  EXPECT_EQ(low.delay_after(1).count(), 50);
  EXPECT_EQ(low.delay_after(2).count(), 100);
  EXPECT_EQ(low.delay_after(10).count(), 500);  // cap / 2
  draw = 0.999999;
  EXPECT_EQ(low.delay_after(3).count(), 399);
  EXPECT_EQ(low.delay_after(40).count(), 999);
  EXPECT_TRUE(low.may_retry(4));
  EXPECT_FALSE(low.may_retry(5));
}

TEST_F(EmailOutboxTest, EveryMailCarriesItsSignedUnsubscribeLink) {
  const UnsubscribeTokens tokens("unit-test-secret-unit-test-secret-123456");
  RetryPolicy policy;
  EmailOutboxOptions o;
  o.base_url = "https://live.example";
  o.message_id_domain = "example.com";
  o.unsubscribe = &tokens;
  EmailOutbox outbox(*store_, clock_, transport_, RetrySchedule(policy, [] { return 1.0; }), o);
  enqueue(fan_.user_id, "Set");
  EXPECT_EQ(*outbox.run_once(), 1u);
  ASSERT_EQ(transport_.sent.size(), 1u);
  const OutgoingMail& m = transport_.sent[0];
  const std::string prefix = "https://live.example/unsubscribe?token=";
  ASSERT_TRUE(m.list_unsubscribe.starts_with(prefix)) << m.list_unsubscribe;
  // The link names the fan and the artist of the mail: it stops that artist's mails.
  auto scope = tokens.verify(m.list_unsubscribe.substr(prefix.size()));
  ASSERT_TRUE(scope.ok());
  EXPECT_EQ(scope->user_id, fan_.user_id);
  EXPECT_EQ(scope->artist_id, std::optional<std::string>("artist-7"));
  EXPECT_NE(m.text.find(m.list_unsubscribe), std::string::npos);
  EXPECT_NE(m.html.find("href=\"" + m.list_unsubscribe + "\""), std::string::npos);
}

}  // namespace
}  // namespace stagecast::platform
