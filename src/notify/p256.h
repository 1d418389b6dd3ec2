#pragma once
// P-256 (secp256r1) keys as Web Push carries them (OpenSSL 3 EVP): a public key is the 65-byte
// uncompressed point (SEC1 2.3.3, 0x04 || X || Y) of PushSubscription.getKey("p256dh") and of
// the VAPID "k" parameter; a private key is the 32-byte scalar.

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace stagecast::notify {

inline constexpr size_t kP256PublicKeyBytes = 65;
inline constexpr size_t kP256PrivateKeyBytes = 32;

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* k) const;
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

class P256Key {
 public:
  // A fresh random key pair. Errors: crypto_error.
  static Result<P256Key> generate();
  // From the raw private scalar (the public point is derived). Errors: invalid_key.
  static Result<P256Key> from_private(std::span<const uint8_t> scalar);
  // From a PEM private key (PKCS#8 or SEC1 "EC PRIVATE KEY") that must be on P-256.
  static Result<P256Key> from_pem(const std::string& pem);

  // PKCS#8 PEM of the private key (what is kept on disk).
  Result<std::string> to_pem() const;
  const std::array<uint8_t, kP256PublicKeyBytes>& public_key() const { return public_; }
  std::array<uint8_t, kP256PrivateKeyBytes> private_scalar() const;

  // ECDH shared secret (the X coordinate, 32 bytes) with a peer's uncompressed point.
  Result<std::array<uint8_t, 32>> ecdh(std::span<const uint8_t> peer_public) const;
  // ES256 (RFC 7518 3.4): ECDSA over SHA-256, the signature as R || S (64 bytes).
  Result<std::array<uint8_t, 64>> sign_es256(std::string_view data) const;

  EVP_PKEY* pkey() const { return key_.get(); }

 private:
  explicit P256Key(EvpPkeyPtr key);
  EvpPkeyPtr key_;
  std::array<uint8_t, kP256PublicKeyBytes> public_{};
};

// Whether `point` is a 65-byte uncompressed point on P-256 (not the point at infinity, not a
// compressed form, on the curve).
bool is_p256_public_key(std::span<const uint8_t> point);

// Verifies an ES256 R || S signature (tests, and the JWT check of our own tokens).
bool verify_es256(std::span<const uint8_t> public_key, std::string_view data,
                  std::span<const uint8_t> signature);

}  // namespace stagecast::notify
