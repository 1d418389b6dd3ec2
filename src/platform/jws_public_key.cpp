#include "platform/jws_public_key.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <string>
#include <vector>

namespace stagecast::platform {
namespace {

EVP_PKEY* as_pkey(void* key) {
  return static_cast<EVP_PKEY*>(key);
}

bool digest_verify(EVP_PKEY* key, std::string_view data, const uint8_t* sig, size_t sig_len) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestVerify(ctx.get(), sig, sig_len,
                             reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  // A failed verification leaves entries in this thread's OpenSSL error queue; drop them so they
  // are not mistaken for the cause of some later, unrelated failure.
  ERR_clear_error();
  return ok;
}

}  // namespace

void JwsPublicKey::KeyDeleter::operator()(void* key) const {
  EVP_PKEY_free(as_pkey(key));
}

Result<JwsPublicKey> JwsPublicKey::from_pem(std::string_view pem, JwsKeyType type) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  if (!bio) return make_error("invalid_config", "cannot read public key");
  EVP_PKEY* raw = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  ERR_clear_error();
  if (raw == nullptr) {
    return make_error("invalid_config", "public key is not a PEM SubjectPublicKeyInfo");
  }
  JwsPublicKey key(raw, type);
  if (type == JwsKeyType::Rsa) {
    if (!EVP_PKEY_is_a(raw, "RSA")) return make_error("invalid_config", "RS256 key is not RSA");
    if (EVP_PKEY_get_bits(raw) < 2048) {
      return make_error("invalid_config", "RS256 key is shorter than 2048 bits");
    }
  } else {
    if (!EVP_PKEY_is_a(raw, "EC")) return make_error("invalid_config", "ES256 key is not EC");
    char group[64] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(raw, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &len) != 1 ||
        std::string_view(group, len) != "prime256v1") {
      ERR_clear_error();
      return make_error("invalid_config", "ES256 key is not on curve P-256");
    }
  }
  return key;
}

bool JwsPublicKey::verify_rs256(std::string_view signing_input,
                                std::span<const uint8_t> signature) const {
  if (type_ != JwsKeyType::Rsa) return false;
  // PKCS#1 v1.5 signatures are exactly the modulus size; anything else is malformed.
  if (signature.size() != static_cast<size_t>(EVP_PKEY_get_size(as_pkey(key_.get())))) {
    return false;
  }
  return digest_verify(as_pkey(key_.get()), signing_input, signature.data(), signature.size());
}

bool JwsPublicKey::verify_es256(std::string_view signing_input,
                                std::span<const uint8_t> signature) const {
  if (type_ != JwsKeyType::EcP256 || signature.size() != 64) return false;
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(ECDSA_SIG_new(), ECDSA_SIG_free);
  if (!sig) return false;
  BIGNUM* r = BN_bin2bn(signature.data(), 32, nullptr);
  BIGNUM* s = BN_bin2bn(signature.data() + 32, 32, nullptr);
  if (r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ERR_clear_error();
    return false;
  }
  // ECDSA_SIG_set0 took ownership of r and s.
  const int der_len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (der_len <= 0) return false;
  std::vector<unsigned char> der(static_cast<size_t>(der_len));
  unsigned char* out = der.data();
  if (i2d_ECDSA_SIG(sig.get(), &out) != der_len) return false;
  return digest_verify(as_pkey(key_.get()), signing_input, der.data(), der.size());
}

}  // namespace stagecast::platform
