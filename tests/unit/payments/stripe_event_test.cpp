// Webhook events in the shapes of Stripe's API reference (Event, PaymentIntent, Charge,
// Dispute objects), trimmed to the fields that matter plus some that do not.

#include "payments/stripe_event.h"

#include <gtest/gtest.h>

#include "payments/payment_errors.h"

namespace stagecast::payments {
namespace {

TEST(StripeEvent, ReadsAPaymentIntentEvent) {
  auto e = parse_webhook_event(R"({
    "id": "evt_3Nabc", "object": "event", "api_version": "2024-06-20", "created": 1700000000,
    "livemode": false, "pending_webhooks": 1, "type": "payment_intent.succeeded",
    "request": {"id": null, "idempotency_key": null},
    "data": {"object": {"id": "pi_3Nabc", "object": "payment_intent", "amount": 1000,
      "amount_received": 1000, "currency": "usd", "status": "succeeded",
      "application_fee_amount": 50, "transfer_data": {"destination": "acct_1"},
      "metadata": {"tip_id": "t1", "stream_id": "s1", "fan_id": "f1", "n": 5}}}})");
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->id, "evt_3Nabc");
  EXPECT_EQ(e->type, "payment_intent.succeeded");
  EXPECT_EQ(e->created, 1700000000);
  EXPECT_EQ(e->object_type, "payment_intent");
  EXPECT_EQ(e->payment_intent_id, "pi_3Nabc");
  EXPECT_EQ(e->amount, 1000);
  EXPECT_EQ(e->currency, "usd");
  EXPECT_EQ(e->status, "succeeded");
  EXPECT_EQ(e->metadata.at("tip_id"), "t1");
  EXPECT_EQ(e->metadata.count("n"), 0u);  // only string values
}

TEST(StripeEvent, ReadsAnAccountUpdatedEvent) {
  auto e = parse_webhook_event(R"({
    "id": "evt_1Acct", "object": "event", "account": "acct_1Artist", "created": 1700000100,
    "type": "account.updated",
    "data": {"object": {"id": "acct_1Artist", "object": "account", "type": "express",
      "charges_enabled": false, "payouts_enabled": true, "details_submitted": true,
      "requirements": {"currently_due": ["external_account"],
                       "disabled_reason": "requirements.past_due"}},
      "previous_attributes": {"charges_enabled": true}}})");
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->object_type, "account");
  EXPECT_EQ(e->object_id, "acct_1Artist");
  EXPECT_EQ(e->charges_enabled, false);
  EXPECT_EQ(e->payouts_enabled, true);
  EXPECT_EQ(e->disabled_reason, "requirements.past_due");
  EXPECT_FALSE(e->payment_intent_id);
  // Flags of the wrong type or absent are unknown, never true.
  auto odd = parse_webhook_event(R"({"id": "evt_2", "type": "account.updated",
    "data": {"object": {"id": "acct_2", "object": "account", "charges_enabled": "yes",
      "requirements": {"disabled_reason": null}}}})");
  ASSERT_TRUE(odd);
  EXPECT_FALSE(odd->charges_enabled);
  EXPECT_FALSE(odd->payouts_enabled);
  EXPECT_FALSE(odd->disabled_reason);
}

TEST(StripeEvent, ReadsChargesAndDisputesThroughTheirPaymentIntent) {
  auto refund = parse_webhook_event(R"({"id": "evt_r", "type": "charge.refunded",
    "data": {"object": {"id": "ch_1", "object": "charge", "amount": 1000, "amount_refunded": 1000,
      "refunded": true, "payment_intent": "pi_9", "metadata": {}}}})");
  ASSERT_TRUE(refund);
  EXPECT_EQ(refund->payment_intent_id, "pi_9");
  EXPECT_EQ(refund->refunded, true);

  auto dispute = parse_webhook_event(R"({"id": "evt_d", "type": "charge.dispute.created",
    "data": {"object": {"id": "dp_1", "object": "dispute", "charge": "ch_1",
      "payment_intent": {"id": "pi_8", "object": "payment_intent"}, "status": "needs_response"}}})");
  ASSERT_TRUE(dispute);
  EXPECT_EQ(dispute->payment_intent_id, "pi_8");  // expanded object
  EXPECT_EQ(dispute->status, "needs_response");

  auto old = parse_webhook_event(R"({"id": "evt_o", "type": "charge.dispute.created",
    "data": {"object": {"id": "dp_2", "object": "dispute", "payment_intent": null}}})");
  ASSERT_TRUE(old);
  EXPECT_FALSE(old->payment_intent_id);
}

TEST(StripeEvent, RefusesWhatIsNotAnEvent) {
  for (const char* bad : {"", "not json", "[]", "{}", R"({"id": "evt"})",
                          R"({"id": 5, "type": "x", "data": {"object": {}}})",
                          R"({"id": "evt", "type": "x"})",
                          R"({"id": "evt", "type": "x", "data": {"object": []}})",
                          R"({"id": "", "type": "x", "data": {"object": {}}})"}) {
    auto e = parse_webhook_event(bad);
    ASSERT_FALSE(e) << bad;
    EXPECT_EQ(e.error().code, errc::kEventMalformed);
  }
  std::string deep = R"({"id":"e","type":"t","data":{"object":{"x":)";
  for (int i = 0; i < 100; ++i) deep += "[";
  EXPECT_FALSE(parse_webhook_event(deep));
  EXPECT_FALSE(parse_webhook_event(std::string(kMaxEventBytes + 1, ' ')));
}

}  // namespace
}  // namespace stagecast::payments
