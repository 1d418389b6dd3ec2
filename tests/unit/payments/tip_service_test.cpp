// TipService over the real SQLite store (a file, so the test can count rows behind the
// service's back) with a recording payment provider: the state machine of tips under webhook
// deliveries that repeat, fail late, arrive out of order or never got their payment id stored.

#include "platform/tip_service.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "payments/payment_errors.h"
#include "payments/sandbox_provider.h"
#include "payments/stripe_signature.h"
#include "platform/artist_onboarding.h"
#include "platform/platform_services.h"
#include "platform_fixture.h"

namespace stagecast::platform {
namespace {

constexpr const char* kWebhookSecret = "whsec_unit_test_secret";

// Answers like Stripe (same idempotency key, same PaymentIntent) and records every request.
class RecordingProvider final : public payments::PaymentProvider {
 public:
  std::string_view name() const override { return "stripe"; }
  bool is_sandbox() const override { return false; }
  Result<payments::PaymentIntent> create_payment_intent(
      const payments::PaymentIntentRequest& r) override {
    requests.push_back(r);
    if (fail_with) return make_error(*fail_with, "injected");
    auto [it, inserted] = by_key.try_emplace(r.idempotency_key);
    if (inserted) {
      it->second = {"pi_test_" + std::to_string(by_key.size()),
                    "pi_test_" + std::to_string(by_key.size()) + "_secret_x",
                    "requires_payment_method"};
    }
    if (lose_answer) return make_error(payments::errc::kProviderUnavailable, "timed out");
    return it->second;
  }
  Result<payments::ConnectedAccount> create_connected_account(
      const payments::ConnectedAccountRequest&) override {
    return payments::ConnectedAccount{"acct_test"};
  }
  Result<payments::AccountLink> create_account_link(const payments::AccountLinkRequest&) override {
    return payments::AccountLink{"https://connect.example/link", 1};
  }

  std::vector<payments::PaymentIntentRequest> requests;
  std::map<std::string, payments::PaymentIntent> by_key;
  std::optional<std::string> fail_with;
  bool lose_answer = false;  // Stripe created it, but the answer never reached us
};

class RecordingListener final : public TipEvents {
 public:
  void tip_succeeded(const store::Tip& tip, const store::LiveStream& stream,
                     const store::ChatMessage& line) override {
    tips.push_back(tip);
    streams.push_back(stream);
    lines.push_back(line);
  }
  std::vector<store::Tip> tips;
  std::vector<store::LiveStream> streams;
  std::vector<store::ChatMessage> lines;
};

class TipServiceTest : public testing::PlatformFixture {
 protected:
  void SetUp() override {
    open_platform("stagecast-tips");
    if (HasFatalFailure()) return;
    make_tips(provider_, nullptr);

    artist_ = register_user("artist@example.com", "ARTIST", "acct_1Artist");
    fan_ = register_user("fan@example.com", "FAN");
    StreamInput in;
    in.title = "Live";
    in.visibility = "PUBLIC";
    in.chat.blocked_words = std::vector<std::string>{"spoiler"};
    auto created = services_->streams().create(artist_, in);
    ASSERT_TRUE(created) << created.error().message;
    stream_id_ = created->stream.id;
    ASSERT_TRUE(services_->streams().mark_live(stream_id_));
  }

  void TearDown() override {
    tips_.reset();
    close_platform();
  }

  void make_tips(payments::PaymentProvider& provider, payments::SandboxProvider* sandbox) {
    TipSettings settings;  // $1..$1,000, 5%, usd
    settings.blocked_words = {"scam"};
    tips_ = std::make_unique<TipService>(*store_, services_->streams(), provider, verifier_, clock_,
                                         settings, sandbox);
    tips_->add_listener(listener_);
  }


  TipInput input(int64_t amount, std::optional<std::string> message = std::nullopt) {
    TipInput in;
    in.amount_cents = amount;
    in.message = std::move(message);
    return in;
  }

  int64_t count(const std::string& table) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2((dir_ / "t.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    const std::string sql = "SELECT COUNT(*) FROM " + table;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK);
    EXPECT_EQ(sqlite3_step(st), SQLITE_ROW);
    const int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
  }

  // A Stripe event about `payment_intent`, signed now with the endpoint secret.
  std::pair<std::string, std::string> event(const std::string& id, const std::string& type,
                                            const std::string& payment_intent,
                                            nlohmann::json extra = nlohmann::json::object()) {
    nlohmann::json object;
    if (type.starts_with("payment_intent.")) {
      object = {{"id", payment_intent}, {"object", "payment_intent"}, {"amount", 1000},
                {"currency", "usd"}, {"metadata", nlohmann::json::object()}};
    } else if (type == "charge.refunded") {
      object = {{"id", "ch_1"}, {"object", "charge"}, {"payment_intent", payment_intent},
                {"refunded", true}, {"amount", 1000}, {"amount_refunded", 1000}};
    } else {
      object = {{"id", "dp_1"}, {"object", "dispute"}, {"charge", "ch_1"},
                {"payment_intent", payment_intent}, {"status", "needs_response"}};
    }
    for (auto& [k, v] : extra.items()) object[k] = v;
    nlohmann::json e = {{"id", id}, {"object", "event"}, {"type", type},
                        {"created", clock_.unix_seconds()}, {"data", {{"object", object}}}};
    std::string payload = e.dump();
    return {payload, payments::signature_header(kWebhookSecret, clock_.unix_seconds(), payload)};
  }

  Result<WebhookOutcome> deliver(const std::pair<std::string, std::string>& e) {
    return tips_->handle_webhook(e.first, e.second);
  }

  store::Tip tip(const std::string& id) { return *store_->tips().find(id); }
  store::LiveStream stream() { return *store_->streams().find(stream_id_); }

  CreatedTip tip_of(int64_t amount, std::optional<std::string> message = std::nullopt) {
    auto created = tips_->create(fan_, stream_id_, input(amount, std::move(message)));
    EXPECT_TRUE(created) << created.error().code;
    return *created;
  }

  payments::WebhookVerifier verifier_{kWebhookSecret, clock_};
  RecordingProvider provider_;
  RecordingListener listener_;
  std::unique_ptr<TipService> tips_;
  Identity artist_;
  Identity fan_;
  std::string stream_id_;
};

TEST_F(TipServiceTest, CreatesAPendingDestinationChargeWithFeeMetadataAndIdempotencyKey) {
  CreatedTip t = tip_of(1000, "  great set!  ");
  EXPECT_EQ(t.tip.status, store::TipStatus::kPending);
  EXPECT_EQ(t.tip.fee_cents, 50);
  EXPECT_EQ(t.tip.message, "great set!");
  EXPECT_EQ(t.client_secret, "pi_test_1_secret_x");
  ASSERT_EQ(provider_.requests.size(), 1u);
  const auto& r = provider_.requests[0];
  EXPECT_EQ(r.amount_cents, 1000);
  EXPECT_EQ(r.currency, "usd");
  EXPECT_EQ(r.application_fee_cents, 50);
  EXPECT_EQ(r.destination_account, "acct_1Artist");
  EXPECT_EQ(r.idempotency_key, "stagecast-tip-" + t.tip.id);
  const std::vector<std::pair<std::string, std::string>> metadata = {
      {"stream_id", stream_id_}, {"tip_id", t.tip.id}, {"fan_id", fan_.user_id}};
  EXPECT_EQ(r.metadata, metadata);
  const store::Tip stored = tip(t.tip.id);
  EXPECT_EQ(stored.status, store::TipStatus::kPending);
  EXPECT_EQ(stored.provider_payment_id, "pi_test_1");
  EXPECT_EQ(stored.provider, "stripe");
  EXPECT_EQ(stream().tip_count, 0);  // pending tips are not counted
}

TEST_F(TipServiceTest, RefusesBadInputBeforeWritingOrCallingAnything) {
  const std::vector<TipInput> bad = {
      input(99), input(100'001), input(-5), input(0), input(1000, "line\nbreak"),
      input(1000, std::string(501, 'a')), input(1000, "\xff\xfe"), input(1000, "no SPOILER here"),
      input(1000, "a scam!"), input(1000, "\xe2\x80\xae" "reversed")};
  for (const TipInput& in : bad) {
    auto r = tips_->create(fan_, stream_id_, in);
    ASSERT_FALSE(r) << in.amount_cents << " " << in.message.value_or("");
    EXPECT_EQ(r.error().code, "validation_failed") << r.error().message;
  }
  TipInput euro = input(1000);
  euro.currency = "eur";
  EXPECT_EQ(tips_->create(fan_, stream_id_, euro).error().code, "validation_failed");
  TipInput key = input(1000);
  key.client_key = "spaces are not allowed";
  EXPECT_EQ(tips_->create(fan_, stream_id_, key).error().code, "validation_failed");
  EXPECT_TRUE(provider_.requests.empty());
  EXPECT_EQ(count("stream_tips"), 0);

  // The edges are allowed; a blank message is no message; USD in capitals is USD.
  TipInput upper = input(100, "   ");
  upper.currency = "USD";
  auto min = tips_->create(fan_, stream_id_, upper);
  ASSERT_TRUE(min) << min.error().message;
  EXPECT_FALSE(min->tip.message);
  EXPECT_EQ(min->tip.fee_cents, 5);
  EXPECT_TRUE(tips_->create(fan_, stream_id_, input(100'000)));
  EXPECT_EQ(count("stream_tips"), 2);
}

TEST_F(TipServiceTest, ThePolicyDecidesWhoMayTip) {
  EXPECT_EQ(tips_->create(artist_, stream_id_, input(1000)).error().code, "cannot_tip_self");
  EXPECT_EQ(tips_->create(fan_, "nosuchstream", input(1000)).error().code, "not_found");
  ASSERT_TRUE(store_->streams().mark_ended(stream_id_, clock_.unix_millis(), "test"));
  EXPECT_EQ(tips_->create(fan_, stream_id_, input(1000)).error().code, "stream_ended");
  EXPECT_TRUE(provider_.requests.empty());
  EXPECT_EQ(count("stream_tips"), 0);
}

TEST_F(TipServiceTest, TheSameEventThreeTimesSucceedsOnceWithOneChatLine) {
  CreatedTip t = tip_of(1000, "encore");
  const auto succeeded = event("evt_1", "payment_intent.succeeded", "pi_test_1");
  auto first = deliver(succeeded);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->effect, "succeeded");
  EXPECT_EQ(first->tip_id, t.tip.id);
  for (int i = 0; i < 2; ++i) {
    auto again = deliver(succeeded);
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->duplicate);
  }
  EXPECT_EQ(tip(t.tip.id).status, store::TipStatus::kSucceeded);
  const store::LiveStream s = stream();
  EXPECT_EQ(s.tip_count, 1);
  EXPECT_EQ(s.tip_gross_cents, 1000);
  EXPECT_EQ(s.tip_fee_cents, 50);
  EXPECT_EQ(s.chat_message_count, 1);
  EXPECT_EQ(count("payment_events"), 1);
  EXPECT_EQ(count("stream_chat_messages"), 1);
  ASSERT_EQ(listener_.tips.size(), 1u);
  EXPECT_EQ(listener_.streams[0].tip_count, 1);
  const store::ChatMessage& line = listener_.lines[0];
  EXPECT_EQ(line.kind, store::ChatMessageKind::kTip);
  EXPECT_EQ(line.tip_id, t.tip.id);
  EXPECT_EQ(line.user_id, fan_.user_id);
  EXPECT_EQ(line.body, "encore");
  EXPECT_EQ(line.seq, 1);
  EXPECT_TRUE(store_->payment_events().find("stripe", "evt_1")->applied);
}

TEST_F(TipServiceTest, AFailureAfterASuccessChangesNothing) {
  CreatedTip t = tip_of(2500);
  ASSERT_TRUE(deliver(event("evt_ok", "payment_intent.succeeded", "pi_test_1")));
  auto late = deliver(event("evt_fail", "payment_intent.payment_failed", "pi_test_1"));
  ASSERT_TRUE(late);
  EXPECT_EQ(late->effect, "unchanged");
  EXPECT_EQ(tip(t.tip.id).status, store::TipStatus::kSucceeded);
  EXPECT_EQ(stream().tip_gross_cents, 2500);
  EXPECT_EQ(stream().tip_fee_cents, 125);
  EXPECT_EQ(count("payment_events"), 2);  // both recorded for the audit
}

TEST_F(TipServiceTest, AFailedPaymentMaySucceedOnASecondCard) {
  CreatedTip t = tip_of(1000);
  EXPECT_EQ(deliver(event("evt_f", "payment_intent.payment_failed", "pi_test_1"))->effect, "failed");
  EXPECT_EQ(tip(t.tip.id).status, store::TipStatus::kFailed);
  EXPECT_EQ(stream().tip_count, 0);
  EXPECT_EQ(deliver(event("evt_s", "payment_intent.succeeded", "pi_test_1"))->effect, "succeeded");
  EXPECT_EQ(tip(t.tip.id).status, store::TipStatus::kSucceeded);
  EXPECT_EQ(stream().tip_count, 1);
}

TEST_F(TipServiceTest, RefundsAndDisputesAreRecordedAgainstTheTip) {
  CreatedTip a = tip_of(1000);
  CreatedTip b = tip_of(3000);
  ASSERT_TRUE(deliver(event("evt_a", "payment_intent.succeeded", "pi_test_1")));
  ASSERT_TRUE(deliver(event("evt_b", "payment_intent.succeeded", "pi_test_2")));
  EXPECT_EQ(stream().tip_gross_cents, 4000);

  EXPECT_EQ(deliver(event("evt_r", "charge.refunded", "pi_test_1"))->effect, "refunded");
  EXPECT_EQ(tip(a.tip.id).status, store::TipStatus::kRefunded);
  EXPECT_EQ(stream().tip_gross_cents, 3000);
  EXPECT_EQ(stream().tip_count, 1);

  EXPECT_EQ(deliver(event("evt_d", "charge.dispute.created", "pi_test_2"))->effect, "disputed");
  EXPECT_EQ(tip(b.tip.id).status, store::TipStatus::kDisputed);
  EXPECT_EQ(stream().tip_count, 0);
  // A late success of a disputed payment does not undo the dispute...
  EXPECT_EQ(deliver(event("evt_b2", "payment_intent.succeeded", "pi_test_2"))->effect, "unchanged");
  EXPECT_EQ(tip(b.tip.id).status, store::TipStatus::kDisputed);
  // ...winning it does.
  EXPECT_EQ(deliver(event("evt_w", "charge.dispute.closed", "pi_test_2", {{"status", "won"}}))->effect,
            "dispute_won");
  EXPECT_EQ(tip(b.tip.id).status, store::TipStatus::kSucceeded);
  EXPECT_EQ(stream().tip_gross_cents, 3000);
  EXPECT_EQ(stream().tip_fee_cents, 150);
  EXPECT_EQ(listener_.tips.size(), 2u);  // one announcement per tip, not per status change

  // A partial refund is recorded and leaves the tip as it is.
  auto partial = deliver(event("evt_p", "charge.refunded", "pi_test_2", {{"refunded", false}}));
  EXPECT_EQ(partial->effect, "partial_refund");
  EXPECT_EQ(tip(b.tip.id).status, store::TipStatus::kSucceeded);
}

TEST_F(TipServiceTest, ARefundArrivingBeforeTheSuccessIsAppliedAfterIt) {
  CreatedTip t = tip_of(1000);
  auto early = deliver(event("evt_r", "charge.refunded", "pi_test_1"));
  ASSERT_TRUE(early);
  EXPECT_EQ(early->effect, "deferred");
  EXPECT_EQ(tip(t.tip.id).status, store::TipStatus::kPending);
  EXPECT_FALSE(store_->payment_events().find("stripe", "evt_r")->applied);
  ASSERT_TRUE(deliver(event("evt_s", "payment_intent.succeeded", "pi_test_1")));
  EXPECT_EQ(tip(t.tip.id).status, store::TipStatus::kRefunded);
  EXPECT_TRUE(store_->payment_events().find("stripe", "evt_r")->applied);
  EXPECT_EQ(stream().tip_count, 0);
  EXPECT_EQ(stream().tip_gross_cents, 0);
}

TEST_F(TipServiceTest, UnverifiedWebhooksWriteNothing) {
  tip_of(1000);
  auto [payload, header] = event("evt_1", "payment_intent.succeeded", "pi_test_1");
  const std::string wrong_secret = payments::signature_header("whsec_other", clock_.unix_seconds(), payload);
  std::string changed = payload;
  changed.replace(changed.find("1000"), 4, "9000");
  const std::string old = payments::signature_header(kWebhookSecret, clock_.unix_seconds() - 301, payload);
  EXPECT_EQ(tips_->handle_webhook(payload, wrong_secret).error().code, "signature_mismatch");
  EXPECT_EQ(tips_->handle_webhook(changed, header).error().code, "signature_mismatch");
  EXPECT_EQ(tips_->handle_webhook(payload, old).error().code, "signature_expired");
  EXPECT_EQ(tips_->handle_webhook(payload, "").error().code, "signature_missing");
  const std::string garbage = "not an event";
  EXPECT_EQ(tips_->handle_webhook(garbage, payments::signature_header(kWebhookSecret, clock_.unix_seconds(), garbage))
                .error().code,
            "event_malformed");
  EXPECT_EQ(count("payment_events"), 0);
  EXPECT_EQ(stream().tip_count, 0);
  EXPECT_TRUE(listener_.tips.empty());
}

TEST_F(TipServiceTest, ARetryWithTheSameKeyNeverChargesTwice) {
  TipInput in = input(1500, "hi");
  in.client_key = "fan-retry-1";
  auto first = tips_->create(fan_, stream_id_, in);
  auto second = tips_->create(fan_, stream_id_, in);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->tip.id, second->tip.id);
  EXPECT_EQ(first->client_secret, second->client_secret);
  ASSERT_EQ(provider_.requests.size(), 2u);
  EXPECT_EQ(provider_.requests[0].idempotency_key, provider_.requests[1].idempotency_key);
  EXPECT_EQ(provider_.by_key.size(), 1u);  // one PaymentIntent
  EXPECT_EQ(count("stream_tips"), 1);

  TipInput other = in;
  other.amount_cents = 2000;
  EXPECT_EQ(tips_->create(fan_, stream_id_, other).error().code, "conflict");
  EXPECT_EQ(count("stream_tips"), 1);
}

TEST_F(TipServiceTest, ALostProviderAnswerIsRecoveredByRetryOrByTheWebhooksMetadata) {
  provider_.lose_answer = true;
  TipInput in = input(1000);
  in.client_key = "k1";
  auto lost = tips_->create(fan_, stream_id_, in);
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code, payments::errc::kProviderUnavailable);
  const store::Tip pending = *store_->tips().find_by_idempotency_key(provider_.requests[0].idempotency_key);
  EXPECT_EQ(pending.status, store::TipStatus::kPending);  // not FAILED: it may exist at Stripe
  EXPECT_FALSE(pending.provider_payment_id);

  // Stripe's event names the tip through the metadata we sent.
  auto e = event("evt_m", "payment_intent.succeeded", "pi_test_1",
                 {{"metadata", {{"tip_id", pending.id}, {"stream_id", stream_id_}}}});
  EXPECT_EQ(deliver(e)->effect, "succeeded");
  const store::Tip done = tip(pending.id);
  EXPECT_EQ(done.status, store::TipStatus::kSucceeded);
  EXPECT_EQ(done.provider_payment_id, "pi_test_1");

  // And the fan's retry finds the same tip and the same PaymentIntent.
  provider_.lose_answer = false;
  auto retried = tips_->create(fan_, stream_id_, in);
  ASSERT_TRUE(retried) << retried.error().message;
  EXPECT_EQ(retried->tip.id, pending.id);
  EXPECT_EQ(provider_.by_key.size(), 1u);
}

TEST_F(TipServiceTest, ADefinitiveRefusalClosesTheTip) {
  provider_.fail_with = payments::errc::kProviderRejected;
  auto r = tips_->create(fan_, stream_id_, input(1000));
  ASSERT_FALSE(r);
  const store::Tip t = *store_->tips().find_by_idempotency_key(provider_.requests[0].idempotency_key);
  EXPECT_EQ(t.status, store::TipStatus::kFailed);
}

TEST_F(TipServiceTest, EventsOfOtherPaymentsAndTypesAreRecordedOnly) {
  EXPECT_EQ(deliver(event("evt_x", "payment_intent.succeeded", "pi_not_ours"))->effect, "unmatched");
  EXPECT_EQ(deliver(event("evt_y", "customer.created", "x"))->effect, "ignored");
  EXPECT_EQ(count("payment_events"), 2);
  EXPECT_TRUE(store_->payment_events().find("stripe", "evt_x")->applied);
}

TEST_F(TipServiceTest, RecoverAppliesEventsRecordedButNeverApplied) {
  CreatedTip t = tip_of(1000);
  auto [payload, header] = event("evt_c", "payment_intent.succeeded", "pi_test_1");
  // As if the process died right after recording the event.
  ASSERT_TRUE(store_->payment_events().insert_if_new({"stripe", "evt_c", "payment_intent.succeeded", payload,
                                                      clock_.unix_millis(), false, std::nullopt}));
  auto n = tips_->recover();
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(tip(t.tip.id).status, store::TipStatus::kSucceeded);
  EXPECT_EQ(listener_.tips.size(), 1u);
  // The redelivery after the crash is a duplicate now.
  EXPECT_TRUE(tips_->handle_webhook(payload, header)->duplicate);
}

TEST_F(TipServiceTest, TheSandboxConfirmsThroughTheSignedWebhookPath) {
  payments::SandboxProvider sandbox(kWebhookSecret, clock_);
  make_tips(sandbox, &sandbox);
  CreatedTip t = tip_of(1000, "from the sandbox");
  EXPECT_EQ(t.tip.provider, "sandbox");
  const std::string pi = *t.tip.provider_payment_id;
  const Identity stranger = register_user("stranger@example.com", "FAN");
  EXPECT_EQ(tips_->confirm_sandbox_payment(stranger, pi, true).error().code, "forbidden");
  EXPECT_EQ(tips_->confirm_sandbox_payment(fan_, "pi_sandbox_nope", true).error().code, "not_found");
  auto ok = tips_->confirm_sandbox_payment(fan_, pi, true);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->effect, "succeeded");
  EXPECT_EQ(tip(t.tip.id).status, store::TipStatus::kSucceeded);
  EXPECT_EQ(store_->payment_events().find("sandbox", ok->event_id)->type, "payment_intent.succeeded");
  EXPECT_EQ(tips_->confirm_sandbox_payment(fan_, pi, true)->effect, "unchanged");  // twice
  EXPECT_EQ(tips_->confirm_sandbox_payment(fan_, pi, false)->effect, "unchanged");
  EXPECT_EQ(stream().tip_count, 1);
  EXPECT_EQ(listener_.tips.size(), 1u);
  EXPECT_EQ(listener_.lines.at(0).body, "from the sandbox");

  // Without the sandbox there is nothing to confirm.
  make_tips(provider_, nullptr);
  EXPECT_EQ(tips_->confirm_sandbox_payment(fan_, pi, true).error().code, "not_found");
}

TEST_F(TipServiceTest, OnboardingCreatesTheArtistsAccountOnceAndSavesIt) {
  payments::SandboxProvider sandbox(kWebhookSecret, clock_);
  ArtistOnboarding onboarding(*store_, sandbox, clock_);
  const Identity newcomer = register_user("new@example.com", "ARTIST");
  EXPECT_FALSE(newcomer.verified_artist());
  auto first = onboarding.start(newcomer, "http://x/return", "http://x/refresh");
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(first->account_created);
  EXPECT_TRUE(first->account_id.starts_with("acct_sandbox"));
  EXPECT_EQ(first->url, "http://x/return");
  EXPECT_EQ(store_->users().find_by_id(newcomer.user_id)->stripe_account_id, first->account_id);
  auto second = onboarding.start(newcomer, "http://x/return", "http://x/refresh");
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->account_created);
  EXPECT_EQ(second->account_id, first->account_id);
  EXPECT_EQ(onboarding.start(fan_, "r", "f").error().code, "forbidden");
  // An account synced by the platform is kept.
  EXPECT_EQ(onboarding.start(artist_, "r", "f")->account_id, "acct_1Artist");
}

}  // namespace
}  // namespace stagecast::platform
