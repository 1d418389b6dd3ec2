#pragma once
// What the money services' tests stand on: a SQLite store in a directory of the test's own, the
// platform services over it on a manual clock, and accounts made through them (an ARTIST with a
// Stripe account, an ADMIN, a FAN) the way the admin API would.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "platform/platform_services.h"
#include "store/store.h"

namespace stagecast::platform::testing {

class PlatformFixture : public ::testing::Test {
 protected:
  // `prefix` names the temporary directory (with the process id and the test's name).
  void open_platform(const std::string& prefix) {
    dir_ = std::filesystem::temp_directory_path() /
           (prefix + "-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store::StoreOptions options;
    options.clock = &clock_;
    auto store = store::open_store("sqlite://" + (dir_ / "t.db").string(), options);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(store).value();
    PlatformConfig pc;
    pc.jwt_secret = "jwt-secret-jwt-secret-jwt-secret-0123456789";
    pc.playback_secret = "playback-secret-playback-secret-012345";
    pc.argon2 = Argon2Limits::minimum();
    auto services = PlatformServices::create(pc, *store_, clock_);
    ASSERT_TRUE(services) << services.error().message;
    services_ = std::move(services).value();
  }

  // After the services that use them are gone.
  void close_platform() {
    services_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Registered as a FAN or ARTIST, then set by the admin path to `role` (ADMIN too) with
  // `account` as its Stripe account when given.
  Identity register_user(const std::string& email, const std::string& role,
                         std::optional<std::string> account = std::nullopt) {
    auto session = services_->accounts().register_account(
        {email, "correct horse", "Name " + role, role == "ADMIN" ? "FAN" : role});
    EXPECT_TRUE(session) << session.error().message;
    if (!account && role != "ADMIN") return session->user;
    AdminUserUpsert up;
    up.id = session->user.user_id;
    up.role = role;
    if (account) up.stripe_account_id = std::optional<std::string>(*account);
    auto synced = services_->accounts().admin_upsert_user(up);
    EXPECT_TRUE(synced);
    return *synced;
  }

  ManualClock clock_{1'700'000'000'000};
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<PlatformServices> services_;
};

}  // namespace stagecast::platform::testing
