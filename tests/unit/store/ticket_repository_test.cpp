#include "store/ticket_repository.h"

#include "store_fixture.h"

namespace stagecast::store::testing {
namespace {

STAGECAST_STORE_SUITE(TicketRepositoryTest);

TEST(TicketTransitions, AllowedEdgesOnly) {
  using S = TicketStatus;
  const S all[] = {S::kPending, S::kPaid, S::kFailed, S::kRefunded, S::kDisputed, S::kRevoked};
  auto allowed = [](S from, S to) {
    return (from == S::kPending && (to == S::kPaid || to == S::kFailed)) ||
           (from == S::kFailed && to == S::kPaid) ||
           (from == S::kPaid && (to == S::kRefunded || to == S::kDisputed || to == S::kRevoked)) ||
           (from == S::kDisputed && (to == S::kPaid || to == S::kRefunded));
  };
  for (S from : all) {
    for (S to : all) {
      EXPECT_EQ(ticket_transition_allowed(from, to), allowed(from, to))
          << to_string(from) << " -> " << to_string(to);
    }
  }
}

StreamTicket purchase(const LiveStream& s, const std::string& fan, int64_t amount, int64_t fee) {
  StreamTicket t;
  t.stream_id = s.id;
  t.fan_id = fan;
  t.amount_cents = amount;
  t.fee_cents = fee;
  t.currency = "usd";
  t.provider = "stripe";
  t.created_at = t.updated_at = 10;
  return t;
}

TEST_P(TicketRepositoryTest, OneTicketPerFanAndStream) {
  User artist = make_user("a@example.com", Role::kArtist);
  LiveStream s = make_stream(artist.id, "hash-1");
  auto first = store().tickets().open_purchase(purchase(s, "fan-1", 1000, 50));
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->ticket.status, TicketStatus::kPending);
  EXPECT_EQ(first->ticket.attempt, 1);
  // A second purchase (even at another price) finds the first ticket, unchanged.
  auto second = store().tickets().open_purchase(purchase(s, "fan-1", 2000, 100));
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->ticket.id, first->ticket.id);
  EXPECT_EQ(second->ticket.amount_cents, 1000);
  EXPECT_EQ(store().tickets().list_for_stream(s.id)->size(), 1u);

  EXPECT_EQ(store().tickets().open_purchase(purchase(s, "fan-2", 0, 0)).error().code,
            "invalid_argument");
  EXPECT_EQ(store().tickets().open_purchase(purchase(s, "fan-2", 100, 101)).error().code,
            "invalid_argument");
}

TEST_P(TicketRepositoryTest, PaymentIdTransitionsAndTotals) {
  User artist = make_user("a@example.com", Role::kArtist);
  LiveStream s = make_stream(artist.id, "hash-1");
  auto t = store().tickets().open_purchase(purchase(s, "fan-1", 1000, 50))->ticket;
  ASSERT_TRUE(store().tickets().set_provider_payment_id(t.id, 1, "pi_1", 11).ok());
  // The same id again is fine; another id, or a stale attempt, is refused.
  EXPECT_TRUE(store().tickets().set_provider_payment_id(t.id, 1, "pi_1", 11).ok());
  EXPECT_EQ(store().tickets().set_provider_payment_id(t.id, 1, "pi_2", 11).error().code,
            "conflict");
  EXPECT_EQ(store().tickets().set_provider_payment_id(t.id, 2, "pi_1", 11).error().code,
            "conflict");
  EXPECT_EQ(store().tickets().find_by_provider_payment_id("stripe", "pi_1")->id, t.id);

  auto paid = store().tickets().transition(t.id, TicketStatus::kPaid, 12);
  ASSERT_TRUE(paid.ok());
  EXPECT_TRUE(paid->changed);
  EXPECT_FALSE(store().tickets().transition(t.id, TicketStatus::kPaid, 13)->changed);
  EXPECT_EQ(store().tickets().transition(t.id, TicketStatus::kFailed, 13).error().code,
            "invalid_transition");
  EXPECT_TRUE(*store().tickets().has_paid_ticket(s.id, "fan-1"));

  auto t2 = store().tickets().open_purchase(purchase(s, "fan-2", 1000, 50))->ticket;
  ASSERT_TRUE(store().tickets().transition(t2.id, TicketStatus::kPaid, 12).ok());
  ASSERT_TRUE(
      store().tickets().grant(s.id, "fan-3", TicketSource::kComp, artist.id, "usd", 12).ok());
  auto totals = store().tickets().totals_for_stream(s.id);
  ASSERT_TRUE(totals.ok());
  EXPECT_EQ(totals->sold, 2);
  EXPECT_EQ(totals->gross_cents, 2000);
  EXPECT_EQ(totals->fee_cents, 100);
  EXPECT_EQ(totals->given, 1);

  // A dispute keeps access but holds the money; losing it (REFUNDED) ends both.
  ASSERT_TRUE(store().tickets().transition(t2.id, TicketStatus::kDisputed, 14).ok());
  EXPECT_TRUE(*store().tickets().has_paid_ticket(s.id, "fan-2"));
  EXPECT_EQ(store().tickets().totals_for_stream(s.id)->sold, 1);
  ASSERT_TRUE(store().tickets().transition(t2.id, TicketStatus::kRefunded, 15).ok());
  EXPECT_FALSE(*store().tickets().has_paid_ticket(s.id, "fan-2"));
  EXPECT_EQ(store().tickets().transition(t2.id, TicketStatus::kPaid, 16).error().code,
            "invalid_transition");
}

TEST_P(TicketRepositoryTest, ANewAttemptOnlyForATicketThatDoesNotAdmit) {
  User artist = make_user("a@example.com", Role::kArtist);
  LiveStream s = make_stream(artist.id, "hash-1");
  auto t = store().tickets().open_purchase(purchase(s, "fan-1", 1000, 50))->ticket;
  ASSERT_TRUE(store().tickets().set_provider_payment_id(t.id, 1, "pi_1", 11).ok());
  ASSERT_TRUE(store().tickets().transition(t.id, TicketStatus::kPaid, 12).ok());
  EXPECT_EQ(store().tickets().restart_purchase(t.id, 1, 1500, "usd", 75, "stripe", 13).error().code,
            "conflict");
  ASSERT_TRUE(store().tickets().transition(t.id, TicketStatus::kRefunded, 13).ok());
  auto again = store().tickets().restart_purchase(t.id, 1, 1500, "usd", 75, "stripe", 14);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->attempt, 2);
  EXPECT_EQ(again->status, TicketStatus::kPending);
  EXPECT_EQ(again->amount_cents, 1500);
  EXPECT_FALSE(again->provider_payment_id);
  // The racing second request lost.
  EXPECT_EQ(store().tickets().restart_purchase(t.id, 1, 1500, "usd", 75, "stripe", 14).error().code,
            "conflict");
}

TEST_P(TicketRepositoryTest, GrantsAndComps) {
  User artist = make_user("a@example.com", Role::kArtist);
  LiveStream s = make_stream(artist.id, "hash-1");
  auto g = store().tickets().grant(s.id, "fan-1", TicketSource::kGrant, "admin_api", "usd", 5);
  ASSERT_TRUE(g.ok());
  EXPECT_TRUE(g->changed);
  EXPECT_EQ(g->ticket.source, TicketSource::kGrant);
  EXPECT_EQ(g->ticket.amount_cents, 0);
  // Granting again, or comping a ticket that admits, changes nothing.
  EXPECT_FALSE(
      store().tickets().grant(s.id, "fan-1", TicketSource::kComp, artist.id, "usd", 6)->changed);

  auto r = store().tickets().revoke_grant(s.id, "fan-1", 7);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ticket.status, TicketStatus::kRevoked);
  EXPECT_FALSE(*store().tickets().has_paid_ticket(s.id, "fan-1"));
  EXPECT_FALSE(store().tickets().revoke_grant(s.id, "fan-1", 8)->changed);
  EXPECT_TRUE(
      store().tickets().grant(s.id, "fan-1", TicketSource::kComp, artist.id, "usd", 9)->changed);

  // A pending purchase can be comped; a bought ticket is not revoked as a grant.
  auto p = store().tickets().open_purchase(purchase(s, "fan-2", 1000, 50))->ticket;
  ASSERT_TRUE(store().tickets().transition(p.id, TicketStatus::kPaid, 10).ok());
  EXPECT_EQ(store().tickets().revoke_grant(s.id, "fan-2", 11).error().code, "invalid_transition");
  EXPECT_EQ(store().tickets().revoke_grant(s.id, "fan-9", 11).error().code, "not_found");
}

TEST_P(TicketRepositoryTest, OpeningTakesNoPaymentIdFromItsInput) {
  User artist = make_user("a@example.com", Role::kArtist);
  LiveStream s = make_stream(artist.id, "hash-1");
  StreamTicket t = purchase(s, "fan-1", 1000, 50);
  t.provider_payment_id = "pi_dup";
  ASSERT_TRUE(store().tickets().open_purchase(t).ok());
  EXPECT_FALSE(store().tickets().find(s.id, "fan-1")->provider_payment_id);
}

}  // namespace
}  // namespace stagecast::store::testing
