#include "test_signer.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <stdexcept>
#include <vector>

#include "platform/base64url.h"
#include "core/digest.h"

namespace stagecast::platform::testing {

void TestKey::Deleter::operator()(void* key) const {
  EVP_PKEY_free(static_cast<EVP_PKEY*>(key));
}

TestKey TestKey::rsa(int bits) {
  EVP_PKEY* key = EVP_RSA_gen(static_cast<unsigned int>(bits));
  if (key == nullptr) throw std::runtime_error("RSA keygen failed");
  return TestKey(key, false);
}

TestKey TestKey::ec(const char* curve) {
  EVP_PKEY* key = EVP_EC_gen(curve);
  if (key == nullptr) throw std::runtime_error("EC keygen failed");
  return TestKey(key, true);
}

std::string TestKey::public_pem() const {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PUBKEY(bio.get(), static_cast<EVP_PKEY*>(key_.get()));
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string TestKey::sign(const std::string& input, bool der) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  auto* key = static_cast<EVP_PKEY*>(key_.get());
  size_t len = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1) {
    throw std::runtime_error("sign init failed");
  }
  std::vector<unsigned char> sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    throw std::runtime_error("sign failed");
  }
  sig.resize(len);
  if (!is_ec_ || der) return std::string(sig.begin(), sig.end());
  const unsigned char* p = sig.data();
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> parsed(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size())), ECDSA_SIG_free);
  std::string raw(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(parsed.get()), reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(parsed.get()), reinterpret_cast<unsigned char*>(raw.data()) + 32,
               32);
  return raw;
}

std::string b64url(const std::string& data) {
  return base64url_encode(data);
}

std::string compact(const nlohmann::json& header, const nlohmann::json& claims,
                    const std::string& signature) {
  return b64url(header.dump()) + "." + b64url(claims.dump()) + "." + b64url(signature);
}

std::string sign_hs256(const nlohmann::json& header, const nlohmann::json& claims,
                       const std::string& secret) {
  const std::string input = b64url(header.dump()) + "." + b64url(claims.dump());
  const auto mac = hmac_sha256(secret, input);
  return input + "." + base64url_encode(mac);
}

std::string sign_with(const TestKey& key, const nlohmann::json& header,
                      const nlohmann::json& claims, bool der) {
  const std::string input = b64url(header.dump()) + "." + b64url(claims.dump());
  return input + "." + b64url(key.sign(input, der));
}

}  // namespace stagecast::platform::testing
