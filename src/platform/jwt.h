#pragma once
// JSON Web Tokens (RFC 7519) in JWS compact serialisation (RFC 7515 §7.1), our own implementation
// on OpenSSL 3 EVP. We issue HS256 tokens with our secret and accept, besides our own, tokens that
// the hosting platform signs with HS256, RS256 or ES256 (RFC 7518 §3.2-3.4).
//
// Error codes of JwtVerifier::verify (all mean HTTP 401 to a client):
//   token_too_large, token_malformed, token_algorithm_rejected, token_signature_invalid,
//   token_expired, token_not_yet_valid, token_issuer_rejected, token_audience_rejected,
//   token_claims_invalid.
// Error code of create(): invalid_config (a start-up error).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace stagecast::platform {

enum class JwtAlgorithm { HS256, RS256, ES256 };

std::string_view to_string(JwtAlgorithm alg);

// Who signed a token: us (tokens from AccountService::login/register) or the hosting platform.
enum class TokenSource { Local, Platform };

struct Claims {
  std::string subject;                // sub: the user id
  std::string role;                   // "role" when present ("FAN", "ARTIST", "ADMIN"), else empty
  std::string issuer;                 // iss, empty when absent
  std::vector<std::string> audience;  // aud (a string or an array in the token)
  int64_t issued_at = 0;              // iat, unix seconds, 0 when absent
  int64_t expires_at = 0;             // exp, unix seconds, always present (we require it)
  int64_t not_before = 0;             // nbf, 0 when absent
  std::string name;                   // "name" when present (display name from the platform)
  std::string email;                  // "email" when present
  JwtAlgorithm algorithm = JwtAlgorithm::HS256;
  TokenSource source = TokenSource::Local;
};

// ---- issuing -------------------------------------------------------------------------------

struct JwtIssuerOptions {
  std::string secret;                // >= 32 bytes (RFC 7518 §3.2: at least the hash size)
  std::string issuer = "stagecast";  // iss of every token we issue
  std::string audience;              // aud of our tokens when not empty
  std::chrono::seconds lifetime = std::chrono::hours(24);
};

struct IssuedToken {
  std::string token;
  int64_t expires_at = 0;  // unix seconds
};

class JwtIssuer {
 public:
  static Result<JwtIssuer> create(JwtIssuerOptions options, const Clock& clock);

  IssuedToken issue(std::string_view user_id, std::string_view role) const;

 private:
  JwtIssuer(JwtIssuerOptions options, const Clock& clock)
      : options_(std::move(options)), clock_(&clock) {}
  JwtIssuerOptions options_;
  const Clock* clock_;
};

// ---- verifying -----------------------------------------------------------------------------

// One trusted key. `material` is the shared secret for HS256 and a PEM SubjectPublicKeyInfo
// ("-----BEGIN PUBLIC KEY-----") for RS256 (RSA >= 2048 bits) and ES256 (EC P-256).
struct JwtKey {
  JwtAlgorithm algorithm = JwtAlgorithm::HS256;
  std::string material;
  std::string key_id;  // matched against the header's kid when both are set
  std::string issuer;  // when set, a token verified with this key must carry exactly this iss
  TokenSource source = TokenSource::Platform;
};

struct JwtVerifierOptions {
  std::vector<JwtKey> keys;
  std::string audience;                                    // when set, aud must contain it
  std::chrono::seconds leeway = std::chrono::seconds(30);  // clock skew allowed on exp / nbf
  size_t max_token_bytes = 8192;
};

class JwtVerifier {
 public:
  static Result<JwtVerifier> create(JwtVerifierOptions options, const Clock& clock);
  JwtVerifier(JwtVerifier&&) noexcept;
  JwtVerifier& operator=(JwtVerifier&&) noexcept;
  ~JwtVerifier();

  // Only the algorithms of configured keys are accepted, and a token is only checked against keys
  // of its own algorithm: an HS256 token is never verified with an RSA public key as the HMAC
  // secret (the classic algorithm-confusion attack), and `alg: none` is never accepted.
  Result<Claims> verify(std::string_view token) const;

 private:
  struct LoadedKey;
  JwtVerifier(JwtVerifierOptions options, std::vector<LoadedKey> keys, const Clock& clock);

  JwtVerifierOptions options_;
  std::vector<LoadedKey> keys_;
  const Clock* clock_;
};

}  // namespace stagecast::platform
