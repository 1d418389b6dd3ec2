#include "service_fixture.h"

namespace stagecast::platform::testing {

const TestKey& platform_key() {
  static const TestKey key = TestKey::rsa();
  return key;
}

PlatformConfig ServiceTest::config() {
  PlatformConfig c;
  c.jwt_secret = kJwtSecret;
  c.jwt_lifetime = std::chrono::hours(24);
  c.platform_keys.push_back(
      {JwtAlgorithm::RS256, platform_key().public_pem(), "", "directfanz", TokenSource::Platform});
  c.argon2 = Argon2Limits::minimum();
  c.playback_secret = kPlaybackSecret;
  c.playback_lifetime = std::chrono::minutes(5);
  c.allow_anonymous_viewers = true;
  return c;
}

void ServiceTest::SetUp() {
  store::StoreOptions options;
  options.clock = &clock_;
  auto store = store::open_store("sqlite::memory:", options);
  ASSERT_TRUE(store.ok()) << store.error().message;
  store_ = std::move(store).value();
  auto services = PlatformServices::create(config(), *store_, clock_);
  ASSERT_TRUE(services.ok()) << services.error().message;
  services_ = std::move(services).value();
}

Identity ServiceTest::register_user(const std::string& email, const std::string& role) {
  auto session = accounts().register_account({email, kPassword, "Name " + email, role});
  EXPECT_TRUE(session.ok()) << (session.ok() ? "" : session.error().message);
  return session.ok() ? session->user : Identity{};
}

Identity ServiceTest::verified_artist(const std::string& email) {
  const Identity artist = register_user(email, "ARTIST");
  AdminUserUpsert upsert;
  upsert.id = artist.user_id;
  upsert.role = "ARTIST";
  upsert.stripe_account_id = std::optional<std::string>("acct_1TestAccount");
  auto synced = accounts().admin_upsert_user(upsert);
  EXPECT_TRUE(synced.ok()) << (synced.ok() ? "" : synced.error().message);
  return synced.ok() ? *synced : Identity{};
}

Identity ServiceTest::admin(const std::string& id) {
  AdminUserUpsert upsert;
  upsert.id = id;
  upsert.role = "ADMIN";
  upsert.email = id + "@ops.example.com";
  auto synced = accounts().admin_upsert_user(upsert);
  EXPECT_TRUE(synced.ok()) << (synced.ok() ? "" : synced.error().message);
  return synced.ok() ? *synced : Identity{};
}

std::string ServiceTest::platform_token(const nlohmann::json& claims) {
  return sign_with(platform_key(), {{"alg", "RS256"}, {"typ", "JWT"}}, claims);
}

}  // namespace stagecast::platform::testing
