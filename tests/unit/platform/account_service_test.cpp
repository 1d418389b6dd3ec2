#include "platform/account_service.h"

#include <gtest/gtest.h>

#include "service_fixture.h"

namespace stagecast::platform {
namespace {

using namespace std::chrono_literals;
using testing::kPassword;

class AccountServiceTest : public testing::ServiceTest {
 protected:
  std::string code_of_register(const RegisterRequest& r) {
    auto s = accounts().register_account(r);
    return s.ok() ? "ok" : s.error().code;
  }
  int64_t now_s() const { return clock_.unix_seconds(); }
};

TEST_F(AccountServiceTest, RegisterReturnsTheUserAndATokenThatAuthenticates) {
  auto session =
      accounts().register_account({"  Fan.One@Example.COM", kPassword, " Fan One ", "FAN"});
  ASSERT_TRUE(session.ok()) << session.error().message;
  EXPECT_EQ(session->user.email, "fan.one@example.com");
  EXPECT_EQ(session->user.display_name, "Fan One");
  EXPECT_EQ(session->user.role, store::Role::kFan);
  EXPECT_EQ(session->token.expires_at, now_s() + 24 * 3600);

  auto me = accounts().authenticate(session->token.token);
  ASSERT_TRUE(me.ok()) << me.error().message;
  EXPECT_EQ(me->user_id, session->user.user_id);
  EXPECT_EQ(me->token_source, TokenSource::Local);

  // The password is stored as an argon2id hash, never as itself.
  auto stored = store_->users().find_by_id(session->user.user_id);
  ASSERT_TRUE(stored.ok());
  ASSERT_TRUE(stored->password_hash.has_value());
  EXPECT_EQ(stored->password_hash->rfind("$argon2id$", 0), 0u);
  EXPECT_EQ(stored->password_hash->find(kPassword), std::string::npos);
}

TEST_F(AccountServiceTest, RegisterValidatesEveryField) {
  EXPECT_EQ(code_of_register({"a@example.com", kPassword, "A", "ARTIST"}), "ok");
  EXPECT_EQ(code_of_register({"A@EXAMPLE.com", kPassword, "A2", "FAN"}), "conflict");
  EXPECT_EQ(code_of_register({"b@example.com", kPassword, "B", "ADMIN"}), "validation_failed");
  EXPECT_EQ(code_of_register({"b@example.com", kPassword, "B", "fan"}), "validation_failed");
  EXPECT_EQ(code_of_register({"b@example.com", kPassword, "B", ""}), "validation_failed");
  EXPECT_EQ(code_of_register({"b@example", kPassword, "B", "FAN"}), "validation_failed");
  EXPECT_EQ(code_of_register({"b@example.com", "short", "B", "FAN"}), "validation_failed");
  EXPECT_EQ(code_of_register({"b@example.com", std::string(129, 'p'), "B", "FAN"}),
            "validation_failed");
  EXPECT_EQ(code_of_register({"b@example.com", kPassword, "   ", "FAN"}), "validation_failed");
  EXPECT_EQ(code_of_register({"b@example.com", kPassword, std::string(65, 'n'), "FAN"}),
            "validation_failed");
  EXPECT_EQ(code_of_register({"b@example.com", kPassword, "B\x07", "FAN"}), "validation_failed");
  // Nothing refused was written.
  EXPECT_EQ(store_->users().find_by_email("b@example.com").error().code, "not_found");
}

TEST_F(AccountServiceTest, LoginGivesOneAnswerForUnknownEmailAndWrongPassword) {
  register_user("fan@example.com", "FAN");
  auto ok = accounts().login("FAN@example.com ", kPassword);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->user.email, "fan@example.com");
  EXPECT_TRUE(accounts().authenticate(ok->token.token).ok());

  auto wrong = accounts().login("fan@example.com", "correct horse battery!");
  auto unknown = accounts().login("nobody@example.com", kPassword);
  auto malformed = accounts().login("not an email", kPassword);
  ASSERT_FALSE(wrong.ok());
  ASSERT_FALSE(unknown.ok());
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(wrong.error().code, "invalid_credentials");
  EXPECT_EQ(unknown.error().code, wrong.error().code);
  EXPECT_EQ(unknown.error().message, wrong.error().message);
  EXPECT_EQ(malformed.error().message, wrong.error().message);
}

TEST_F(AccountServiceTest, PlatformSyncedUsersCannotLogInWithAPassword) {
  AdminUserUpsert upsert;
  upsert.id = "platform-user-1";
  upsert.role = "FAN";
  upsert.email = "synced@example.com";
  ASSERT_TRUE(accounts().admin_upsert_user(upsert).ok());
  EXPECT_EQ(accounts().login("synced@example.com", kPassword).error().code, "invalid_credentials");
}

TEST_F(AccountServiceTest, LoginRehashesPasswordsMadeWithOldLimits) {
  const Identity fan = register_user("fan@example.com", "FAN");
  const std::string old_hash = *store_->users().find_by_id(fan.user_id)->password_hash;

  const PasswordHasher stronger(Argon2Limits{2, Argon2Limits::minimum().mem_limit * 2});
  auto issuer = JwtIssuer::create({testing::kJwtSecret}, clock_);
  JwtVerifierOptions vo;
  vo.keys.push_back(
      {JwtAlgorithm::HS256, testing::kJwtSecret, "", "stagecast", TokenSource::Local});
  auto verifier = JwtVerifier::create(std::move(vo), clock_);
  ASSERT_TRUE(issuer.ok() && verifier.ok());
  AccountService upgraded(*store_, stronger, *issuer, *verifier, clock_);

  ASSERT_TRUE(upgraded.login("fan@example.com", kPassword).ok());
  const std::string new_hash = *store_->users().find_by_id(fan.user_id)->password_hash;
  EXPECT_NE(new_hash, old_hash);
  EXPECT_FALSE(stronger.needs_rehash(new_hash));
  EXPECT_TRUE(upgraded.login("fan@example.com", kPassword).ok());
}

TEST_F(AccountServiceTest, AuthenticateRefusesBadAndExpiredTokens) {
  auto session = accounts().register_account({"fan@example.com", kPassword, "Fan", "FAN"});
  ASSERT_TRUE(session.ok());
  for (const std::string& bad : {std::string(), std::string("garbage"), session->token.token + "x",
                                 session->token.token.substr(1)}) {
    auto r = accounts().authenticate(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "unauthorized");
  }
  clock_.advance(24h + 31s);  // lifetime plus the clock leeway
  auto expired = accounts().authenticate(session->token.token);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code, "unauthorized");
  EXPECT_NE(expired.error().message.find("expired"), std::string::npos);
}

TEST_F(AccountServiceTest, RoleComesFromTheStoreNotTheToken) {
  auto session = accounts().register_account({"art@example.com", kPassword, "Art", "FAN"});
  ASSERT_TRUE(session.ok());
  AdminUserUpsert upsert;
  upsert.id = session->user.user_id;
  upsert.role = "ARTIST";
  upsert.stripe_account_id = std::optional<std::string>("acct_123abc");
  ASSERT_TRUE(accounts().admin_upsert_user(upsert).ok());
  auto me = accounts().authenticate(session->token.token);  // still says role FAN
  ASSERT_TRUE(me.ok());
  EXPECT_EQ(me->role, store::Role::kArtist);
  EXPECT_TRUE(me->verified_artist());
}

TEST_F(AccountServiceTest, PlatformTokensForSyncedUsers) {
  AdminUserUpsert upsert;
  upsert.id = "df-42";
  upsert.role = "ARTIST";
  upsert.email = "Star@Example.com";
  upsert.display_name = "Star";
  upsert.stripe_account_id = std::optional<std::string>("acct_Star42");
  ASSERT_TRUE(accounts().admin_upsert_user(upsert).ok());

  const int64_t now = now_s();
  auto me = accounts().authenticate(platform_token(
      {{"sub", "df-42"}, {"iss", "directfanz"}, {"role", "FAN"}, {"exp", now + 300}}));
  ASSERT_TRUE(me.ok()) << me.error().message;
  EXPECT_EQ(me->token_source, TokenSource::Platform);
  EXPECT_EQ(me->role, store::Role::kArtist);
  EXPECT_EQ(me->email, "star@example.com");

  // Wrong issuer, expired, signed by another key: all unauthorized.
  EXPECT_EQ(accounts()
                .authenticate(platform_token({{"sub", "df-42"}, {"iss", "x"}, {"exp", now + 300}}))
                .error()
                .code,
            "unauthorized");
  EXPECT_EQ(accounts()
                .authenticate(
                    platform_token({{"sub", "df-42"}, {"iss", "directfanz"}, {"exp", now - 100}}))
                .error()
                .code,
            "unauthorized");
  const auto other = testing::TestKey::rsa();
  EXPECT_EQ(accounts()
                .authenticate(testing::sign_with(
                    other, {{"alg", "RS256"}},
                    {{"sub", "df-42"}, {"iss", "directfanz"}, {"exp", now + 300}}))
                .error()
                .code,
            "unauthorized");
}

TEST_F(AccountServiceTest, PlatformTokensProvisionUnknownUsersAsFans) {
  const int64_t now = now_s();
  auto me = accounts().authenticate(platform_token({{"sub", "df-new"},
                                                    {"iss", "directfanz"},
                                                    {"role", "ADMIN"},
                                                    {"email", "New.Fan@Example.com"},
                                                    {"name", "New Fan"},
                                                    {"exp", now + 300}}));
  ASSERT_TRUE(me.ok()) << me.error().message;
  EXPECT_EQ(me->user_id, "df-new");
  EXPECT_EQ(me->role, store::Role::kFan);  // never the token's ADMIN
  EXPECT_EQ(me->display_name, "New Fan");
  EXPECT_TRUE(store_->users().find_by_id("df-new").ok());
  // Second time: the same user, not a duplicate.
  auto again = accounts().authenticate(platform_token({{"sub", "df-new"},
                                                       {"iss", "directfanz"},
                                                       {"email", "new.fan@example.com"},
                                                       {"exp", now + 300}}));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->user_id, "df-new");

  // No email: nothing to create the account with.
  EXPECT_EQ(accounts()
                .authenticate(
                    platform_token({{"sub", "df-anon"}, {"iss", "directfanz"}, {"exp", now + 300}}))
                .error()
                .code,
            "unauthorized");
  // Our own token for an id that does not exist is not provisioned.
  auto issuer = JwtIssuer::create({testing::kJwtSecret}, clock_);
  ASSERT_TRUE(issuer.ok());
  EXPECT_EQ(accounts().authenticate(issuer->issue("ghost", "FAN").token).error().code,
            "unauthorized");
}

TEST_F(AccountServiceTest, AdminUpsertUser) {
  AdminUserUpsert upsert;
  upsert.id = "df-7";
  upsert.role = "ARTIST";
  EXPECT_EQ(accounts().admin_upsert_user(upsert).error().code, "validation_failed");  // no email
  upsert.email = "seven@example.com";
  upsert.stripe_account_id = std::optional<std::string>("acct_Seven7");
  auto created = accounts().admin_upsert_user(upsert);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->display_name, "seven");  // from the email when not given
  EXPECT_TRUE(created->verified_artist());

  // A later sync that only names the role keeps email and Stripe account; null removes it.
  AdminUserUpsert role_only;
  role_only.id = "df-7";
  role_only.role = "ARTIST";
  auto kept = accounts().admin_upsert_user(role_only);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->email, "seven@example.com");
  EXPECT_TRUE(kept->verified_artist());
  role_only.stripe_account_id = std::optional<std::string>();
  auto cleared = accounts().admin_upsert_user(role_only);
  ASSERT_TRUE(cleared.ok());
  EXPECT_FALSE(cleared->verified_artist());

  AdminUserUpsert bad = role_only;
  bad.role = "OWNER";
  EXPECT_EQ(accounts().admin_upsert_user(bad).error().code, "validation_failed");
  bad = role_only;
  bad.stripe_account_id = std::optional<std::string>("sk_live_oops");
  EXPECT_EQ(accounts().admin_upsert_user(bad).error().code, "validation_failed");
  bad = role_only;
  bad.id = "has space";
  EXPECT_EQ(accounts().admin_upsert_user(bad).error().code, "validation_failed");

  // The email of another user is a conflict.
  register_user("taken@example.com", "FAN");
  AdminUserUpsert steal = role_only;
  steal.email = "TAKEN@example.com";
  EXPECT_EQ(accounts().admin_upsert_user(steal).error().code, "conflict");
}

TEST_F(AccountServiceTest, AdminUpsertKeepsTheLocalPassword) {
  const Identity fan = register_user("fan@example.com", "FAN");
  AdminUserUpsert upsert;
  upsert.id = fan.user_id;
  upsert.role = "ARTIST";
  upsert.display_name = "Now An Artist";
  ASSERT_TRUE(accounts().admin_upsert_user(upsert).ok());
  auto login = accounts().login("fan@example.com", kPassword);
  ASSERT_TRUE(login.ok());
  EXPECT_EQ(login->user.role, store::Role::kArtist);
  EXPECT_EQ(login->user.display_name, "Now An Artist");
}

TEST_F(AccountServiceTest, AdminUpsertSubscription) {
  const Identity fan = register_user("fan@example.com", "FAN");
  const Identity artist = register_user("artist@example.com", "ARTIST");
  AdminSubscriptionUpsert s{fan.user_id, artist.user_id, 2, "ACTIVE", std::nullopt};
  auto saved = accounts().admin_upsert_subscription(s);
  ASSERT_TRUE(saved.ok()) << saved.error().message;
  EXPECT_EQ(saved->tier, 2);
  auto stored = store_->subscriptions().find(fan.user_id, artist.user_id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->status, store::SubscriptionStatus::kActive);

  s.tier = 3;
  s.status = "CANCELED";
  s.expires_at = clock_.unix_millis() + 1000;
  ASSERT_TRUE(accounts().admin_upsert_subscription(s).ok());
  stored = store_->subscriptions().find(fan.user_id, artist.user_id);
  EXPECT_EQ(stored->tier, 3);
  EXPECT_EQ(stored->status, store::SubscriptionStatus::kCanceled);

  auto code = [&](AdminSubscriptionUpsert r) {
    auto x = accounts().admin_upsert_subscription(r);
    return x.ok() ? std::string("ok") : x.error().code;
  };
  EXPECT_EQ(code({fan.user_id, "nobody", 1, "ACTIVE", std::nullopt}), "not_found");
  EXPECT_EQ(code({fan.user_id, artist.user_id, 0, "ACTIVE", std::nullopt}), "validation_failed");
  EXPECT_EQ(code({fan.user_id, artist.user_id, 1, "PAUSED", std::nullopt}), "validation_failed");
  EXPECT_EQ(code({fan.user_id, fan.user_id, 1, "ACTIVE", std::nullopt}), "validation_failed");
}

TEST_F(AccountServiceTest, GetUser) {
  const Identity fan = register_user("fan@example.com", "FAN");
  auto got = accounts().get_user(fan.user_id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->email, "fan@example.com");
  EXPECT_EQ(accounts().get_user("nope").error().code, "not_found");
}

TEST_F(AccountServiceTest, DatabaseOutageIsReportedAsSuch) {
  auto session = accounts().register_account({"fan@example.com", kPassword, "Fan", "FAN"});
  ASSERT_TRUE(session.ok());
  store_->faults().set_unavailable(true);
  EXPECT_EQ(accounts().login("fan@example.com", kPassword).error().code, "db_unavailable");
  EXPECT_EQ(accounts().authenticate(session->token.token).error().code, "db_unavailable");
  store_->faults().set_unavailable(false);
  EXPECT_TRUE(accounts().authenticate(session->token.token).ok());
}

}  // namespace
}  // namespace stagecast::platform
