#include "notify/p256.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <cstring>

namespace stagecast::notify {
namespace {

constexpr const char* kGroup = "prime256v1";

struct CtxDeleter {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct BldDeleter {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamDeleter {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct BnDeleter {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct SigDeleter {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

// An EVP_PKEY from its parts: the public point always, the private scalar when given.
EvpPkeyPtr from_parts(std::span<const uint8_t> pub, const BIGNUM* priv) {
  std::unique_ptr<OSSL_PARAM_BLD, BldDeleter> bld(OSSL_PARAM_BLD_new());
  if (!bld) return nullptr;
  if (OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, kGroup, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub.data(),
                                       pub.size()) != 1) {
    return nullptr;
  }
  if (priv && OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv) != 1) {
    return nullptr;
  }
  std::unique_ptr<OSSL_PARAM, ParamDeleter> params(OSSL_PARAM_BLD_to_param(bld.get()));
  std::unique_ptr<EVP_PKEY_CTX, CtxDeleter> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return nullptr;
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &key, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                        params.get()) != 1) {
    return nullptr;
  }
  return EvpPkeyPtr(key);
}

bool uncompressed_point_of(EVP_PKEY* key, std::array<uint8_t, kP256PublicKeyBytes>& out) {
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out.data(),
                                      out.size(), &len) != 1) {
    return false;
  }
  return len == kP256PublicKeyBytes && out[0] == 0x04;
}

bool is_p256(EVP_PKEY* key) {
  char name[64] = {};
  size_t len = 0;
  return EVP_PKEY_is_a(key, "EC") &&
         EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) ==
             1 &&
         std::strcmp(name, kGroup) == 0;
}

}  // namespace

void EvpPkeyDeleter::operator()(EVP_PKEY* k) const {
  EVP_PKEY_free(k);
}

P256Key::P256Key(EvpPkeyPtr key) : key_(std::move(key)) {
  uncompressed_point_of(key_.get(), public_);
}

Result<P256Key> P256Key::generate() {
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return make_error("crypto_error", "P-256 key generation failed");
  // Always uncompressed, whatever the provider's default point format.
  EVP_PKEY_set_utf8_string_param(key.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                 "uncompressed");
  P256Key k(std::move(key));
  if (k.public_[0] != 0x04) return make_error("crypto_error", "P-256 public key not readable");
  return k;
}

Result<P256Key> P256Key::from_private(std::span<const uint8_t> scalar) {
  if (scalar.size() != kP256PrivateKeyBytes) {
    return make_error("invalid_key", "a P-256 private key is 32 bytes");
  }
  std::unique_ptr<BIGNUM, BnDeleter> d(
      BN_bin2bn(scalar.data(), static_cast<int>(scalar.size()), nullptr));
  std::unique_ptr<EC_GROUP, decltype(&EC_GROUP_free)> group(
      EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1), EC_GROUP_free);
  if (!d || !group) return make_error("crypto_error", "out of memory");
  if (BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(group.get())) >= 0) {
    return make_error("invalid_key", "the P-256 private scalar is out of range");
  }
  std::unique_ptr<EC_POINT, decltype(&EC_POINT_free)> q(EC_POINT_new(group.get()), EC_POINT_free);
  std::array<uint8_t, kP256PublicKeyBytes> pub{};
  if (!q || EC_POINT_mul(group.get(), q.get(), d.get(), nullptr, nullptr, nullptr) != 1 ||
      EC_POINT_point2oct(group.get(), q.get(), POINT_CONVERSION_UNCOMPRESSED, pub.data(),
                         pub.size(), nullptr) != pub.size()) {
    return make_error("crypto_error", "deriving the P-256 public key failed");
  }
  EvpPkeyPtr key = from_parts(pub, d.get());
  if (!key) return make_error("invalid_key", "not a P-256 private key");
  return P256Key(std::move(key));
}

Result<P256Key> P256Key::from_pem(const std::string& pem) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return make_error("crypto_error", "out of memory");
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key || !is_p256(key.get())) {
    return make_error("invalid_key", "not a PEM P-256 (prime256v1) private key");
  }
  EVP_PKEY_set_utf8_string_param(key.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                 "uncompressed");
  P256Key k(std::move(key));
  if (k.public_[0] != 0x04) return make_error("invalid_key", "the key has no public point");
  return k;
}

Result<std::string> P256Key::to_pem() const {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return make_error("crypto_error", "writing the key as PEM failed");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::array<uint8_t, kP256PrivateKeyBytes> P256Key::private_scalar() const {
  std::array<uint8_t, kP256PrivateKeyBytes> out{};
  BIGNUM* d = nullptr;
  if (EVP_PKEY_get_bn_param(key_.get(), OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1) {
    BN_bn2binpad(d, out.data(), static_cast<int>(out.size()));
    BN_clear_free(d);
  }
  return out;
}

Result<std::array<uint8_t, 32>> P256Key::ecdh(std::span<const uint8_t> peer_public) const {
  if (peer_public.size() != kP256PublicKeyBytes || peer_public[0] != 0x04) {
    return make_error("invalid_key", "the peer key is not an uncompressed P-256 point");
  }
  EvpPkeyPtr peer = from_parts(peer_public, nullptr);
  if (!peer) return make_error("invalid_key", "the peer key is not on P-256");
  std::unique_ptr<EVP_PKEY_CTX, CtxDeleter> ctx(EVP_PKEY_CTX_new(key_.get(), nullptr));
  std::array<uint8_t, 32> secret{};
  size_t len = secret.size();
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1 ||
      EVP_PKEY_derive(ctx.get(), secret.data(), &len) != 1 || len != secret.size()) {
    return make_error("crypto_error", "ECDH failed");
  }
  return secret;
}

Result<std::array<uint8_t, 64>> P256Key::sign_es256(std::string_view data) const {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> md(EVP_MD_CTX_new());
  std::array<uint8_t, 80> der{};
  size_t der_len = der.size();
  if (!md || EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(md.get(), der.data(), &der_len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    return make_error("crypto_error", "ES256 signing failed");
  }
  const unsigned char* p = der.data();
  std::unique_ptr<ECDSA_SIG, SigDeleter> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)));
  if (!sig) return make_error("crypto_error", "ES256 signature not readable");
  std::array<uint8_t, 64> out{};
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out.data(), 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out.data() + 32, 32) != 32) {
    return make_error("crypto_error", "ES256 signature out of range");
  }
  return out;
}

bool is_p256_public_key(std::span<const uint8_t> point) {
  if (point.size() != kP256PublicKeyBytes || point[0] != 0x04) return false;
  // Decoding checks that the point is on the curve (and not at infinity, which has no
  // uncompressed form).
  return from_parts(point, nullptr) != nullptr;
}

bool verify_es256(std::span<const uint8_t> public_key, std::string_view data,
                  std::span<const uint8_t> signature) {
  if (signature.size() != 64 || !is_p256_public_key(public_key)) return false;
  EvpPkeyPtr key = from_parts(public_key, nullptr);
  std::unique_ptr<ECDSA_SIG, SigDeleter> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(signature.data(), 32, nullptr);
  BIGNUM* s = BN_bin2bn(signature.data() + 32, 32, nullptr);
  if (!key || !sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return false;
  }
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_len <= 0) return false;
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> md(EVP_MD_CTX_new());
  const bool ok =
      md && EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
      EVP_DigestVerify(md.get(), der, static_cast<size_t>(der_len),
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  OPENSSL_free(der);
  return ok;
}

}  // namespace stagecast::notify
