#include "platform/password.h"

#include <sodium.h>

#include <optional>
#include <stdexcept>

#include "core/random.h"

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

namespace {

// Number of code points if `s` is well-formed UTF-8 (no overlongs, no surrogates), else nullopt.
std::optional<size_t> utf8_length(std::string_view s) {
  size_t count = 0;
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t extra = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return std::nullopt;
    }
    if (i + extra >= s.size()) return std::nullopt;  // truncated sequence
    for (size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return std::nullopt;
    }
    i += extra + 1;
    ++count;
  }
  return count;
}

}  // namespace

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
