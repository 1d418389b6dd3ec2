#include <atomic>
#include <thread>

#include "store_fixture.h"

namespace stagecast::store::testing {
namespace {

STAGECAST_STORE_SUITE(PaymentEventRepositoryTest);

PaymentEvent event(const std::string& id, const std::string& payload, int64_t at) {
  return PaymentEvent{"stripe", id, "payment_intent.succeeded", payload, at, false, std::nullopt};
}

TEST_P(PaymentEventRepositoryTest, InsertIfNewIsIdempotentAndKeepsTheFirstCopy) {
  auto first = store().payment_events().insert_if_new(event("evt_1", "{\"v\":1}", 10));
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(*first);
  auto again = store().payment_events().insert_if_new(event("evt_1", "{\"v\":2}", 20));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  auto stored = store().payment_events().find("stripe", "evt_1");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->payload, "{\"v\":1}");
  EXPECT_EQ(stored->received_at, 10);
  EXPECT_FALSE(stored->applied);

  // The same event id from another provider is a different event.
  PaymentEvent sandbox = event("evt_1", "{}", 30);
  sandbox.provider = "sandbox";
  EXPECT_TRUE(*store().payment_events().insert_if_new(sandbox));
}

TEST_P(PaymentEventRepositoryTest, MarkAppliedHappensExactlyOnce) {
  ASSERT_TRUE(store().payment_events().insert_if_new(event("evt_a", "{}", 1)).ok());
  ASSERT_TRUE(store().payment_events().insert_if_new(event("evt_b", "{}", 2)).ok());
  auto unapplied = store().payment_events().list_unapplied(10);
  ASSERT_TRUE(unapplied.ok());
  ASSERT_EQ(unapplied->size(), 2u);
  EXPECT_EQ(unapplied->front().event_id, "evt_a");

  auto applied = store().payment_events().mark_applied("stripe", "evt_a", 5);
  ASSERT_TRUE(applied.ok());
  EXPECT_TRUE(*applied);
  auto twice = store().payment_events().mark_applied("stripe", "evt_a", 6);
  ASSERT_TRUE(twice.ok());
  EXPECT_FALSE(*twice);
  auto stored = store().payment_events().find("stripe", "evt_a");
  EXPECT_TRUE(stored->applied);
  EXPECT_EQ(stored->applied_at, 5);
  unapplied = store().payment_events().list_unapplied(10);
  ASSERT_EQ(unapplied->size(), 1u);
  EXPECT_EQ(unapplied->front().event_id, "evt_b");
  EXPECT_EQ(store().payment_events().mark_applied("stripe", "evt_x", 1).error().code,
            "not_found");
}

TEST_P(PaymentEventRepositoryTest, ConcurrentDeliveriesOfOneEventAdmitExactlyOne) {
  std::atomic<int> new_count{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      for (int n = 0; n < 20; ++n) {
        auto r = store().payment_events().insert_if_new(
            event("evt_race_" + std::to_string(n), std::to_string(i), i));
        if (!r.ok()) {
          ++errors;
        } else if (*r) {
          ++new_count;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(new_count.load(), 20);
}

}  // namespace
}  // namespace stagecast::store::testing
