// Artist onboarding on a real SQLite store: payout verification from account.updated
// (docs/payments.md), becoming an artist, who the operator is, and the operator console's gate
// (docs/web.md).
#include <gtest/gtest.h>

#include "payments/stripe_event.h"
#include "platform/payout_verification.h"
#include "service_fixture.h"

namespace stagecast::platform {
namespace {

using store::PayoutsStatus;
using testing::ServiceTest;

class OnboardingTest : public ServiceTest {
 protected:
  // An artist who connected an account here (PENDING until Stripe says otherwise).
  Identity onboarded(const std::string& email, const std::string& account) {
    Identity a = register_user(email, "ARTIST");
    auto u = store_->users().find_by_id(a.user_id);
    EXPECT_TRUE(u.ok());
    u->stripe_account_id = account;
    u->payouts_status = PayoutsStatus::kPending;
    EXPECT_TRUE(store_->users().update(*u).ok());
    return *accounts().get_user(a.user_id);
  }

  static payments::WebhookEvent updated(const std::string& account, bool enabled, int64_t created,
                                        std::optional<std::string> reason = std::nullopt) {
    payments::WebhookEvent e;
    e.id = "evt_" + std::to_string(created) + (enabled ? "on" : "off");
    e.type = "account.updated";
    e.created = created;
    e.object_type = "account";
    e.object_id = account;
    e.charges_enabled = enabled;
    e.payouts_enabled = enabled;
    e.disabled_reason = std::move(reason);
    return e;
  }

  Identity me(const Identity& who) { return *accounts().get_user(who.user_id); }
};

TEST_F(OnboardingTest, AccountUpdatedVerifiesTakesAwayAndIgnoresStaleAndForeignEvents) {
  PayoutVerification payouts(*store_, clock_, false);
  const Identity a = onboarded("a@example.com", "acct_1Onboard");
  EXPECT_FALSE(a.verified_artist());

  auto on = payouts.apply_payment_event(updated("acct_1Onboard", true, 100));
  ASSERT_TRUE(on.ok());
  ASSERT_TRUE(on->has_value());
  EXPECT_EQ((*on)->effect, "payouts_enabled");
  EXPECT_TRUE(me(a).verified_artist());
  EXPECT_EQ(me(a).payouts_status, PayoutsStatus::kEnabled);

  // Older than what was applied: nothing changes.
  auto stale = payouts.apply_payment_event(updated("acct_1Onboard", false, 99, "rejected.fraud"));
  EXPECT_EQ((*stale)->effect, "stale");
  EXPECT_TRUE(me(a).verified_artist());

  auto off =
      payouts.apply_payment_event(updated("acct_1Onboard", false, 101, "requirements.past_due"));
  EXPECT_EQ((*off)->effect, "payouts_disabled");
  EXPECT_FALSE(me(a).verified_artist());
  EXPECT_EQ(me(a).payouts_status, PayoutsStatus::kDisabled);
  EXPECT_EQ(me(a).payouts_reason, "requirements.past_due");
  EXPECT_EQ(payouts_reason_text(me(a).payouts_reason),
            "Stripe needs more information about you or your business");

  // Not an account of ours, or not an account event: not this handler's.
  EXPECT_FALSE(payouts.apply_payment_event(updated("acct_1Nobody", true, 102))->has_value());
  auto other = updated("acct_1Onboard", true, 103);
  other.type = "payment_intent.succeeded";
  EXPECT_FALSE(payouts.apply_payment_event(other)->has_value());
}

TEST_F(OnboardingTest, OnboardingNotFinishedStaysPendingAndTheSandboxIsMarkedSimulated) {
  PayoutVerification sandbox(*store_, clock_, true);
  const Identity a = onboarded("p@example.com", "acct_sandboxP");
  auto half = sandbox.apply_payment_event(updated("acct_sandboxP", false, 10));
  EXPECT_EQ((*half)->effect, "payouts_pending");
  EXPECT_EQ(me(a).payouts_status, PayoutsStatus::kPending);
  EXPECT_EQ(me(a).payouts_reason, "charges_disabled");
  ASSERT_TRUE(sandbox.apply_payment_event(updated("acct_sandboxP", true, 11)).ok());
  EXPECT_TRUE(me(a).verified_artist());
  EXPECT_TRUE(me(a).payouts_simulated);
}

TEST_F(OnboardingTest, APlatformSyncedAccountIsTrustedUntilStripeDisablesItAndANewIdStartsOver) {
  PayoutVerification payouts(*store_, clock_, false);
  const Identity a = verified_artist("synced@example.com");  // acct_1TestAccount, no status
  EXPECT_TRUE(a.verified_artist());
  EXPECT_FALSE(a.payouts_status.has_value());
  ASSERT_TRUE(
      payouts.apply_payment_event(updated("acct_1TestAccount", false, 50, "rejected.other")).ok());
  EXPECT_FALSE(me(a).verified_artist());
  // The platform syncs the same id again: Stripe's word stands.
  AdminUserUpsert same{a.user_id, "ARTIST", std::optional<std::string>("acct_1TestAccount")};
  ASSERT_TRUE(accounts().admin_upsert_user(same).ok());
  EXPECT_FALSE(me(a).verified_artist());
  // Another account: trusted as the platform says.
  AdminUserUpsert other{a.user_id, "ARTIST", std::optional<std::string>("acct_1OtherAccount")};
  ASSERT_TRUE(accounts().admin_upsert_user(other).ok());
  EXPECT_TRUE(me(a).verified_artist());
}

TEST_F(OnboardingTest, BecomingAnArtistAtOnceOrByTheOperator) {
  ArtistRequests at_once(*store_, clock_, true);
  const Identity fan = register_user("fan1@example.com", "FAN");
  auto granted = at_once.request(fan);
  ASSERT_TRUE(granted.ok());
  EXPECT_TRUE(granted->granted);
  EXPECT_EQ(me(fan).role, store::Role::kArtist);
  EXPECT_EQ(at_once.request(me(fan)).error().code, "conflict");

  ArtistRequests by_operator(*store_, clock_, false);
  const Identity fan2 = register_user("fan2@example.com", "FAN");
  auto waiting = by_operator.request(fan2);
  ASSERT_TRUE(waiting.ok());
  EXPECT_FALSE(waiting->granted);
  EXPECT_EQ(me(fan2).role, store::Role::kFan);
  EXPECT_TRUE(me(fan2).artist_requested_at.has_value());
  EXPECT_FALSE(by_operator.request(fan2)->granted);  // asking twice: still waiting

  Identity not_operator = me(fan);
  EXPECT_EQ(by_operator.answer(not_operator, fan2.user_id, true).error().code, "forbidden");
  Identity op = me(fan);
  op.is_operator = true;
  auto approved = by_operator.answer(op, fan2.user_id, true);
  ASSERT_TRUE(approved.ok());
  EXPECT_EQ(me(fan2).role, store::Role::kArtist);
  EXPECT_FALSE(me(fan2).artist_requested_at.has_value());
  EXPECT_EQ(by_operator.answer(op, fan2.user_id, true).error().code, "not_found");

  // A platform's user gets roles from the platform only.
  Identity platform_user = register_user("fan3@example.com", "FAN");
  platform_user.token_source = TokenSource::Platform;
  EXPECT_EQ(at_once.request(platform_user).error().code, "forbidden");
}

TEST_F(OnboardingTest, TheOperatorIsTheFirstAccountOrTheNamedOne) {
  const Identity first = register_user("first@example.com", "ARTIST");
  clock_.advance(std::chrono::milliseconds(5));
  const Identity second = register_user("second@example.com", "FAN");
  auto auth = [&](const Identity& who) {
    auto s = accounts().login(who.email, testing::kPassword);
    EXPECT_TRUE(s.ok());
    return *accounts().authenticate(s->token.token);
  };
  EXPECT_TRUE(auth(first).is_operator);
  EXPECT_FALSE(auth(second).is_operator);

  OperatorRole named(*store_, {"SECOND@example.com", true});
  EXPECT_TRUE(*named.is_operator(*store_->users().find_by_id(second.user_id)));
  EXPECT_FALSE(*named.is_operator(*store_->users().find_by_id(first.user_id)));
  OperatorRole nobody(*store_, {"", false});
  EXPECT_FALSE(*nobody.is_operator(*store_->users().find_by_id(first.user_id)));
}

TEST_F(OnboardingTest, TheConsoleRefusesAnyoneButTheOperator) {
  OperatorConsole& console = services_->console();
  const Identity op = register_user("c0@example.com", "FAN");  // the first account
  ASSERT_TRUE(op.is_operator);
  clock_.advance(std::chrono::milliseconds(5));
  const Identity fan = register_user("c1@example.com", "FAN");
  const Identity artist = verified_artist("c2@example.com");
  EXPECT_FALSE(fan.is_operator);
  for (const Identity& who : {fan, artist, admin("ops-1")}) {
    EXPECT_EQ(console.users(who, {}).error().code, "forbidden");
    EXPECT_EQ(console.set_role(who, fan.user_id, "ADMIN").error().code, "forbidden");
    EXPECT_EQ(console.subscriptions(who, 10).error().code, "forbidden");
    EXPECT_EQ(console.tips(who, 10).error().code, "forbidden");
    EXPECT_EQ(console.payment_events(who, 10).error().code, "forbidden");
    EXPECT_EQ(console.moderation(who, 10).error().code, "forbidden");
  }
  auto users = console.users(op, {});
  ASSERT_TRUE(users.ok());
  EXPECT_EQ(users->size(), 4u);
  EXPECT_EQ(users->front().id, op.user_id);  // oldest first
  EXPECT_EQ(console.set_role(op, op.user_id, "ADMIN").error().code, "conflict");
  auto promoted = console.set_role(op, artist.user_id, "FAN");
  ASSERT_TRUE(promoted.ok());
  EXPECT_EQ(me(artist).role, store::Role::kFan);
  EXPECT_EQ(console.set_role(op, artist.user_id, "KING").error().code, "validation_failed");
}

}  // namespace
}  // namespace stagecast::platform
