#include "platform/password.h"

#include <sodium.h>

#include <stdexcept>

#include "core/random.h"
#include "platform/text.h"

namespace stagecast::platform {

Argon2Limits Argon2Limits::interactive() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}
Argon2Limits Argon2Limits::moderate() {
  return {crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE};
}
Argon2Limits Argon2Limits::minimum() {
  return {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

Result<void> validate_password(std::string_view password) {
  if (password.find('\0') != std::string_view::npos) {
    return make_error("validation_failed", "password must not contain NUL characters");
  }
  const auto chars = utf8_length(password);
  if (!chars) return make_error("validation_failed", "password must be valid UTF-8");
  if (*chars < kPasswordMinChars || *chars > kPasswordMaxChars) {
    return make_error("validation_failed", "password must be 8 to 128 characters long");
  }
  return ok_result();
}

PasswordHasher::PasswordHasher(Argon2Limits limits) : limits_(limits) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  if (limits_.ops_limit < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
      limits_.mem_limit < crypto_pwhash_argon2id_MEMLIMIT_MIN) {
    throw std::runtime_error("argon2id limits below libsodium's minimum");
  }
  auto dummy = hash(random_token(24));
  if (!dummy) throw std::runtime_error("argon2id hashing failed: " + dummy.error().message);
  dummy_hash_ = std::move(dummy).value();
}

Result<std::string> PasswordHasher::hash(std::string_view password) const {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), limits_.ops_limit,
                            limits_.mem_limit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return make_error("internal", "password hashing ran out of memory");
  }
  return std::string(out);
}

bool PasswordHasher::verify(std::string_view encoded_hash, std::string_view password) const {
  // crypto_pwhash_str_verify wants a NUL-terminated string of bounded size.
  if (encoded_hash.empty() || encoded_hash.size() >= crypto_pwhash_STRBYTES) return false;
  const std::string stored(encoded_hash);
  return crypto_pwhash_str_verify(stored.c_str(), password.data(), password.size()) == 0;
}

bool PasswordHasher::needs_rehash(std::string_view encoded_hash) const {
  if (encoded_hash.empty() || encoded_hash.size() >= crypto_pwhash_STRBYTES) return true;
  const std::string stored(encoded_hash);
  return crypto_pwhash_str_needs_rehash(stored.c_str(), limits_.ops_limit, limits_.mem_limit) != 0;
}

void PasswordHasher::burn_equivalent_time(std::string_view password) const {
  (void)verify(dummy_hash_, password);
}

}  // namespace stagecast::platform
