#include "platform/platform_services.h"

#include <stdexcept>

namespace stagecast::platform {

Result<std::unique_ptr<PlatformServices>> PlatformServices::create(const PlatformConfig& config,
                                                                   store::Store& store,
                                                                   const Clock& clock) {
  auto issuer = JwtIssuer::create(
      {config.jwt_secret, config.jwt_issuer, config.jwt_audience, config.jwt_lifetime}, clock);
  if (!issuer) return issuer.error();

  JwtVerifierOptions verify;
  // Our own secret vouches only for our own issuer.
  verify.keys.push_back(
      {JwtAlgorithm::HS256, config.jwt_secret, "", config.jwt_issuer, TokenSource::Local});
  for (JwtKey key : config.platform_keys) {
    key.source = TokenSource::Platform;
    verify.keys.push_back(std::move(key));
  }
  verify.audience = config.jwt_audience;
  verify.leeway = config.jwt_leeway;
  auto verifier = JwtVerifier::create(std::move(verify), clock);
  if (!verifier) return verifier.error();

  auto playback =
      PlaybackTokenSigner::create({config.playback_secret, config.playback_lifetime}, clock);
  if (!playback) return playback.error();

  try {
    return std::make_unique<PlatformServices>(
        ConstructionKey{}, config, store, clock, std::move(issuer).value(),
        std::move(verifier).value(), std::move(playback).value());
  } catch (const std::runtime_error& e) {  // PasswordHasher: limits below libsodium's minimum
    return make_error("invalid_config", e.what());
  }
}

PlatformServices::PlatformServices(ConstructionKey, const PlatformConfig& config,
                                   store::Store& store, const Clock& clock, JwtIssuer issuer,
                                   JwtVerifier verifier, PlaybackTokenSigner playback)
    : hasher_(config.argon2),
      issuer_(std::move(issuer)),
      verifier_(std::move(verifier)),
      playback_(std::move(playback)),
      policy_(AccessPolicyOptions{config.allow_anonymous_viewers}),
      accounts_(std::make_unique<AccountService>(store, hasher_, issuer_, verifier_, clock)),
      streams_(std::make_unique<StreamService>(store, playback_, policy_, clock)),
      operators_(std::make_unique<OperatorRole>(store, config.operators)),
      artist_requests_(std::make_unique<ArtistRequests>(store, clock, config.artist_auto_grant)),
      console_(std::make_unique<OperatorConsole>(store, *accounts_, *streams_, *artist_requests_)) {
  accounts_->set_operator_role(operators_.get());
}

}  // namespace stagecast::platform
