#include "store_fixture.h"

namespace stagecast::store::testing {
namespace {

STAGECAST_STORE_SUITE(TipRepositoryTest);

TEST(TipTransitions, AllowedEdgesOnly) {
  using S = TipStatus;
  const S all[] = {S::kPending, S::kSucceeded, S::kFailed, S::kRefunded, S::kDisputed};
  auto allowed = [](S from, S to) {
    return (from == S::kPending && (to == S::kSucceeded || to == S::kFailed)) ||
           (from == S::kFailed && to == S::kSucceeded) ||
           (from == S::kSucceeded && (to == S::kRefunded || to == S::kDisputed)) ||
           (from == S::kDisputed && (to == S::kSucceeded || to == S::kRefunded));
  };
  for (S from : all) {
    for (S to : all) {
      EXPECT_EQ(tip_transition_allowed(from, to), allowed(from, to))
          << to_string(from) << " -> " << to_string(to);
    }
  }
}

class TipTestBase {
 public:
  static Tip tip(const LiveStream& s, const std::string& fan_id, int64_t amount, int64_t fee,
                 const std::string& key, int64_t at) {
    Tip t;
    t.stream_id = s.id;
    t.fan_id = fan_id;
    t.artist_id = s.artist_id;
    t.amount_cents = amount;
    t.currency = "usd";
    t.fee_cents = fee;
    t.message = "great set!";
    t.provider = "stripe";
    t.idempotency_key = key;
    t.created_at = t.updated_at = at;
    return t;
  }
};

TEST_P(TipRepositoryTest, PendingTipMovesAlongAllowedEdgesAndRefusesOthers) {
  User artist = make_user("artist@example.com", Role::kArtist);
  User fan = make_user("fan@example.com");
  LiveStream s = make_stream(artist.id, "hash-tip");
  Tip in = TipTestBase::tip(s, fan.id, 1000, 50, "idem-1", clock_.unix_millis());
  in.status = TipStatus::kSucceeded;  // ignored: tips start PENDING
  auto created = store().tips().create_pending(in);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->status, TipStatus::kPending);

  ASSERT_TRUE(store().tips().set_provider_payment_id(created->id, "pi_123", 1).ok());
  auto by_pi = store().tips().find_by_provider_payment_id("stripe", "pi_123");
  ASSERT_TRUE(by_pi.ok());
  EXPECT_EQ(by_pi->id, created->id);

  auto refunded_early = store().tips().transition(created->id, TipStatus::kRefunded, 2);
  ASSERT_FALSE(refunded_early.ok());
  EXPECT_EQ(refunded_early.error().code, "invalid_transition");

  auto ok = store().tips().transition(created->id, TipStatus::kSucceeded, 3);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->changed);
  EXPECT_EQ(ok->tip.status, TipStatus::kSucceeded);

  // The same webhook delivered again: no change, no error, counted once.
  auto repeat = store().tips().transition(created->id, TipStatus::kSucceeded, 4);
  ASSERT_TRUE(repeat.ok());
  EXPECT_FALSE(repeat->changed);

  // A late payment_failed after success is refused.
  auto late_fail = store().tips().transition(created->id, TipStatus::kFailed, 5);
  ASSERT_FALSE(late_fail.ok());
  EXPECT_EQ(late_fail.error().code, "invalid_transition");
  auto stored = store().tips().find(created->id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->status, TipStatus::kSucceeded);
  EXPECT_EQ(stored->updated_at, 3);
}

TEST_P(TipRepositoryTest, TotalsCountSucceededTipsOnlyAndFollowRefunds) {
  User artist = make_user("artist@example.com", Role::kArtist);
  User fan = make_user("fan@example.com");
  LiveStream s = make_stream(artist.id, "hash-totals");
  LiveStream other = make_stream(artist.id, "hash-totals-2");
  auto create = [&](int64_t amount, int64_t fee, const std::string& key, const LiveStream& on) {
    auto t = store().tips().create_pending(TipTestBase::tip(on, fan.id, amount, fee, key, 1));
    EXPECT_TRUE(t.ok());
    return t.value().id;
  };
  std::string a = create(100, 5, "k-a", s);
  std::string b = create(2500, 125, "k-b", s);
  std::string c = create(700, 35, "k-c", s);
  std::string d = create(999, 50, "k-d", s);
  std::string e = create(5000, 250, "k-e", other);
  ASSERT_TRUE(store().tips().transition(a, TipStatus::kSucceeded, 2).ok());
  ASSERT_TRUE(store().tips().transition(b, TipStatus::kSucceeded, 2).ok());
  ASSERT_TRUE(store().tips().transition(c, TipStatus::kFailed, 2).ok());
  ASSERT_TRUE(store().tips().transition(e, TipStatus::kSucceeded, 2).ok());
  (void)d;  // stays PENDING

  auto totals = store().tips().totals_for_stream(s.id);
  ASSERT_TRUE(totals.ok());
  EXPECT_EQ(totals->count, 2);
  EXPECT_EQ(totals->gross_cents, 2600);
  EXPECT_EQ(totals->fee_cents, 130);
  auto stream = store().streams().find(s.id);
  ASSERT_TRUE(stream.ok());
  EXPECT_EQ(stream->tip_count, 2);
  EXPECT_EQ(stream->tip_gross_cents, 2600);
  EXPECT_EQ(stream->tip_fee_cents, 130);

  // The failed one is retried and succeeds; then one is refunded.
  ASSERT_TRUE(store().tips().transition(c, TipStatus::kSucceeded, 3).ok());
  ASSERT_TRUE(store().tips().transition(b, TipStatus::kRefunded, 4).ok());
  totals = store().tips().totals_for_stream(s.id);
  ASSERT_TRUE(totals.ok());
  EXPECT_EQ(totals->count, 2);
  EXPECT_EQ(totals->gross_cents, 800);
  EXPECT_EQ(totals->fee_cents, 40);
  stream = store().streams().find(s.id);
  EXPECT_EQ(stream->tip_count, 2);
  EXPECT_EQ(stream->tip_gross_cents, 800);
  EXPECT_EQ(stream->tip_fee_cents, 40);

  // Dispute then won: out of the totals and back in.
  ASSERT_TRUE(store().tips().transition(a, TipStatus::kDisputed, 5).ok());
  EXPECT_EQ(store().tips().totals_for_stream(s.id)->gross_cents, 700);
  ASSERT_TRUE(store().tips().transition(a, TipStatus::kSucceeded, 6).ok());
  EXPECT_EQ(store().tips().totals_for_stream(s.id)->gross_cents, 800);
  EXPECT_EQ(store().streams().find(s.id)->tip_gross_cents, 800);
}

TEST_P(TipRepositoryTest, IdempotencyKeyAndPaymentIdAreUniqueAndAmountsChecked) {
  User artist = make_user("artist@example.com", Role::kArtist);
  User fan = make_user("fan@example.com");
  LiveStream s = make_stream(artist.id, "hash-idem");
  auto first = store().tips().create_pending(TipTestBase::tip(s, fan.id, 500, 25, "same", 1));
  ASSERT_TRUE(first.ok());
  auto dup = store().tips().create_pending(TipTestBase::tip(s, fan.id, 500, 25, "same", 2));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, "conflict");
  auto found = store().tips().find_by_idempotency_key("same");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, first->id);

  auto second = store().tips().create_pending(TipTestBase::tip(s, fan.id, 500, 25, "other", 3));
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(store().tips().set_provider_payment_id(first->id, "pi_1", 4).ok());
  auto clash = store().tips().set_provider_payment_id(second->id, "pi_1", 5);
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code, "conflict");

  EXPECT_EQ(store().tips().create_pending(TipTestBase::tip(s, fan.id, 0, 0, "z", 1)).error().code,
            "invalid_argument");
  EXPECT_EQ(
      store().tips().create_pending(TipTestBase::tip(s, fan.id, 100, 101, "f", 1)).error().code,
      "invalid_argument");
  EXPECT_EQ(store().tips().transition("missing", TipStatus::kSucceeded, 1).error().code,
            "not_found");
}

}  // namespace
}  // namespace stagecast::store::testing
