#include "notify/web_push_encryption.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <string>

#include "core/digest.h"

namespace stagecast::notify {
namespace {

std::string_view as_chars(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// HKDF-Expand for one block (L <= 32): HMAC(PRK, info || 0x01), truncated (RFC 5869 2.3).
Sha256Digest expand_one(std::span<const uint8_t> prk, std::string info) {
  info.push_back('\x01');
  return hmac_sha256(as_chars(prk), info);
}

struct CipherDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

}  // namespace

Result<std::vector<uint8_t>> encrypt_push_message(std::string_view plaintext,
                                                  std::span<const uint8_t> ua_public,
                                                  std::span<const uint8_t> auth_secret,
                                                  const P256Key* sender_key,
                                                  std::optional<std::array<uint8_t, 16>> salt) {
  if (auth_secret.size() != kPushAuthSecretBytes) {
    return make_error("invalid_key", "the auth secret is 16 bytes");
  }
  if (plaintext.size() > kMaxPushPlaintext) {
    return make_error("payload_too_large", "a push message holds at most 3993 bytes");
  }
  std::optional<P256Key> fresh;
  if (!sender_key) {
    auto k = P256Key::generate();
    if (!k) return k.error();
    fresh.emplace(std::move(k).value());
    sender_key = &*fresh;
  }
  if (!salt) {
    salt.emplace();
    if (RAND_bytes(salt->data(), static_cast<int>(salt->size())) != 1) {
      return make_error("crypto_error", "no random salt");
    }
  }
  auto ecdh = sender_key->ecdh(ua_public);
  if (!ecdh) return ecdh.error();
  const auto& as_public = sender_key->public_key();

  // RFC 8291 3.3: the auth secret is HKDF's salt, the shared secret its input.
  const Sha256Digest prk_key = hmac_sha256(as_chars(auth_secret), as_chars(*ecdh));
  std::string key_info = "WebPush: info";
  key_info.push_back('\0');
  key_info.append(as_chars(ua_public));
  key_info.append(as_chars(as_public));
  const Sha256Digest ikm = expand_one(prk_key, key_info);
  // RFC 8188 2.2-2.3.
  const Sha256Digest prk = hmac_sha256(as_chars(*salt), as_chars(ikm));
  const Sha256Digest cek = expand_one(prk, std::string("Content-Encoding: aes128gcm") + '\0');
  const Sha256Digest nonce = expand_one(prk, std::string("Content-Encoding: nonce") + '\0');

  constexpr uint32_t kRecordSize = 4096;
  std::vector<uint8_t> out;
  out.reserve(86 + plaintext.size() + 1 + 16);
  out.insert(out.end(), salt->begin(), salt->end());
  for (int shift : {24, 16, 8, 0}) out.push_back(static_cast<uint8_t>(kRecordSize >> shift));
  out.push_back(static_cast<uint8_t>(as_public.size()));
  out.insert(out.end(), as_public.begin(), as_public.end());

  std::string record(plaintext);
  record.push_back('\x02');  // the last record's delimiter, no padding
  std::unique_ptr<EVP_CIPHER_CTX, CipherDeleter> ctx(EVP_CIPHER_CTX_new());
  const size_t header = out.size();
  out.resize(header + record.size() + 16);
  int len = 0;
  int fin = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, cek.data(), nonce.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data() + header, &len,
                        reinterpret_cast<const unsigned char*>(record.data()),
                        static_cast<int>(record.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + header + len, &fin) != 1 ||
      static_cast<size_t>(len + fin) != record.size() ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16,
                          out.data() + header + record.size()) != 1) {
    return make_error("crypto_error", "AES-128-GCM failed");
  }
  return out;
}

}  // namespace stagecast::notify
