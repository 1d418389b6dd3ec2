#include "core/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <stdexcept>

namespace stagecast {

Sha256Digest sha256(std::string_view data) {
  Sha256Digest out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 ||
      len != out.size()) {
    throw std::runtime_error("EVP_Digest(SHA-256) failed");  // a broken OpenSSL, not bad input
  }
  return out;
}

Sha256Digest hmac_sha256(std::string_view key, std::string_view data) {
  Sha256Digest out{};
  size_t len = 0;
  // OpenSSL rejects a null key pointer even with length 0; an empty key is still a valid HMAC key.
  static constexpr unsigned char kEmpty = 0;
  const void* key_ptr =
      key.empty() ? static_cast<const void*>(&kEmpty) : static_cast<const void*>(key.data());
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key_ptr, key.size(),
                reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
                out.size(), &len) == nullptr ||
      len != out.size()) {
    throw std::runtime_error("EVP_Q_mac(HMAC-SHA256) failed");
  }
  return out;
}

std::string to_hex(std::span<const uint8_t> data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (uint8_t b : data) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

bool constant_time_equal(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  // The lengths of a MAC are public (fixed by the algorithm), so an early return on them leaks
  // nothing secret.
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace stagecast
