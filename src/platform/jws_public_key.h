#pragma once
// A public key for verifying JWS signatures (RFC 7518 §3.3 RS256, §3.4 ES256) with OpenSSL 3 EVP.

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "core/result.h"

namespace stagecast::platform {

enum class JwsKeyType { Rsa, EcP256 };

class JwsPublicKey {
 public:
  // Parses a PEM SubjectPublicKeyInfo. RSA keys must have >= 2048 bits (RFC 7518 §3.3); EC keys
  // must be on P-256 (RFC 7518 §3.4). Errors: invalid_config.
  static Result<JwsPublicKey> from_pem(std::string_view pem, JwsKeyType type);

  // RSASSA-PKCS1-v1_5 with SHA-256 over `signing_input`.
  bool verify_rs256(std::string_view signing_input, std::span<const uint8_t> signature) const;
  // ECDSA P-256 with SHA-256; `signature` is the JWS form, R||S as two 32-byte big-endian
  // integers (RFC 7518 §3.4), which we convert to the DER ECDSA-Sig-Value OpenSSL verifies.
  bool verify_es256(std::string_view signing_input, std::span<const uint8_t> signature) const;

  JwsKeyType type() const { return type_; }

 private:
  struct KeyDeleter {
    void operator()(void* key) const;
  };
  JwsPublicKey(void* key, JwsKeyType type) : key_(key), type_(type) {}

  std::unique_ptr<void, KeyDeleter> key_;  // EVP_PKEY*, kept opaque so OpenSSL stays out of headers
  JwsKeyType type_;
};

}  // namespace stagecast::platform
