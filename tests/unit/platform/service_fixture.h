#pragma once
// A real SQLite store (in memory) under the platform services, with a ManualClock.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/clock.h"
#include "platform/platform_services.h"
#include "store/store.h"
#include "test_signer.h"

namespace stagecast::platform::testing {

inline constexpr const char* kJwtSecret = "jwt-secret-jwt-secret-jwt-secret-0123456789";
inline constexpr const char* kPlaybackSecret = "playback-secret-playback-secret-012345";
inline constexpr const char* kPassword = "correct horse battery";

// The platform's RS256 signing key, shared by every test (RSA keygen is slow).
const TestKey& platform_key();

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override;

  PlatformConfig config();
  AccountService& accounts() { return services_->accounts(); }
  StreamService& streams() { return services_->streams(); }

  // Registers and returns the identity; fails the test on error.
  Identity register_user(const std::string& email, const std::string& role);
  // A registered ARTIST with a Stripe account set through the admin API.
  Identity verified_artist(const std::string& email);
  Identity admin(const std::string& id);
  // Signed by the platform key with iss "directfanz".
  std::string platform_token(const nlohmann::json& claims);

  ManualClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<PlatformServices> services_;
};

}  // namespace stagecast::platform::testing
