#include "payments/sandbox_provider.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "payments/stripe_event.h"
#include "payments/stripe_signature.h"

namespace stagecast::payments {
namespace {

PaymentIntentRequest request(std::string key) {
  PaymentIntentRequest r;
  r.amount_cents = 1000;
  r.currency = "usd";
  r.application_fee_cents = 50;
  r.destination_account = "acct_sandbox1";
  r.idempotency_key = std::move(key);
  return r;
}

TEST(SandboxProvider, IsMarkedAndIdempotentLikeStripe) {
  ManualClock clock;
  SandboxProvider p("whsec_sandbox", clock);
  EXPECT_TRUE(p.is_sandbox());
  EXPECT_EQ(p.name(), "sandbox");
  auto a = p.create_payment_intent(request("k1"));
  auto again = p.create_payment_intent(request("k1"));
  auto b = p.create_payment_intent(request("k2"));
  ASSERT_TRUE(a && again && b);
  EXPECT_TRUE(a->id.starts_with("pi_sandbox_"));
  EXPECT_TRUE(a->client_secret.starts_with(a->id + "_secret_"));
  EXPECT_EQ(a->id, again->id);
  EXPECT_EQ(a->client_secret, again->client_secret);
  EXPECT_NE(a->id, b->id);

  auto bad = request("k3");
  bad.application_fee_cents = 2000;
  EXPECT_FALSE(p.create_payment_intent(bad));
  EXPECT_FALSE(p.create_payment_intent(request("")));
}

TEST(SandboxProvider, AccountsAndLinks) {
  ManualClock clock;
  SandboxProvider p("whsec_sandbox", clock);
  auto a = p.create_connected_account({"a@example.com", "u1", "stagecast-account-u1"});
  auto again = p.create_connected_account({"a@example.com", "u1", "stagecast-account-u1"});
  ASSERT_TRUE(a && again);
  EXPECT_TRUE(a->id.starts_with("acct_sandbox"));
  EXPECT_EQ(a->id, again->id);
  auto link = p.create_account_link({a->id, "http://x/refresh", "http://x/return"});
  ASSERT_TRUE(link);
  EXPECT_EQ(link->url, "http://x/return");
  EXPECT_GT(link->expires_at, clock.unix_seconds());
}

TEST(SandboxProvider, ItsEventsAreSignedAsStripeSignsThem) {
  ManualClock clock;
  SandboxProvider p("whsec_sandbox", clock);
  SandboxIntent intent{"pi_sandbox_1", 1000, "usd", 50, "acct_sandbox1", {{"tip_id", "t1"}}};
  const SignedEvent ok = p.payment_intent_event("payment_intent.succeeded", intent);
  EXPECT_TRUE(WebhookVerifier("whsec_sandbox", clock).verify(ok.payload, ok.signature_header));
  EXPECT_FALSE(WebhookVerifier("whsec_other", clock).verify(ok.payload, ok.signature_header));
  auto e = parse_webhook_event(ok.payload);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "payment_intent.succeeded");
  EXPECT_EQ(e->payment_intent_id, "pi_sandbox_1");
  EXPECT_EQ(e->metadata.at("tip_id"), "t1");
  EXPECT_EQ(e->amount, 1000);

  const SignedEvent failed = p.payment_intent_event("payment_intent.payment_failed", intent);
  auto f = parse_webhook_event(failed.payload);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->type, "payment_intent.payment_failed");
  EXPECT_NE(f->id, e->id);
}

}  // namespace
}  // namespace stagecast::payments
