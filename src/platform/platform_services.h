#pragma once
// The platform core built from configuration: what app/ constructs once at start-up and hands to
// the HTTP API, the realtime gateway and the media path.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "platform/access_policy.h"
#include "platform/account_service.h"
#include "platform/artist_requests.h"
#include "platform/jwt.h"
#include "platform/operator_console.h"
#include "platform/operator_role.h"
#include "platform/password.h"
#include "platform/playback_token.h"
#include "platform/stream_service.h"
#include "store/store.h"

namespace stagecast::platform {

struct PlatformConfig {
  // Our own tokens (login/register): HS256 with this secret, >= 32 bytes.
  std::string jwt_secret;
  std::string jwt_issuer = "stagecast";
  std::string jwt_audience;  // optional; when set, our tokens carry it and every token needs it
  std::chrono::seconds jwt_lifetime = std::chrono::hours(24);
  std::chrono::seconds jwt_leeway = std::chrono::seconds(30);
  // The hosting platform's keys: HS256 secrets or RS256/ES256 PEM public keys. Set `issuer` on
  // each (the platform's iss) so a key vouches for nothing else. `source` is forced to Platform.
  std::vector<JwtKey> platform_keys;
  Argon2Limits argon2 = Argon2Limits::interactive();
  // Playback tokens on /hls URLs: HMAC secret (>= 32 bytes) and lifetime.
  std::string playback_secret;
  std::chrono::seconds playback_lifetime = std::chrono::minutes(10);
  bool allow_anonymous_viewers = true;
  // Who operates the server, and whether a fan's request to become an artist is granted at once
  // (docs/web.md).
  OperatorSettings operators;
  bool artist_auto_grant = true;
};

class PlatformServices {
 public:
  // Errors: invalid_config (short secrets, unusable keys, bad lifetimes). The store and clock are
  // borrowed and must outlive the services.
  static Result<std::unique_ptr<PlatformServices>> create(const PlatformConfig& config,
                                                          store::Store& store, const Clock& clock);

  AccountService& accounts() { return *accounts_; }
  StreamService& streams() { return *streams_; }
  const PlaybackTokenSigner& playback() const { return playback_; }
  const AccessPolicy& policy() const { return policy_; }
  const JwtVerifier& jwt_verifier() const { return verifier_; }
  ArtistRequests& artist_requests() { return *artist_requests_; }
  OperatorConsole& console() { return *console_; }

 private:
  struct ConstructionKey {};  // only create() can name it, yet std::make_unique can pass it on

 public:
  PlatformServices(ConstructionKey, const PlatformConfig& config, store::Store& store,
                   const Clock& clock, JwtIssuer issuer, JwtVerifier verifier,
                   PlaybackTokenSigner playback);

 private:
  PasswordHasher hasher_;
  JwtIssuer issuer_;
  JwtVerifier verifier_;
  PlaybackTokenSigner playback_;
  AccessPolicy policy_;
  std::unique_ptr<AccountService> accounts_;
  std::unique_ptr<StreamService> streams_;
  std::unique_ptr<OperatorRole> operators_;
  std::unique_ptr<ArtistRequests> artist_requests_;
  std::unique_ptr<OperatorConsole> console_;
};

}  // namespace stagecast::platform
