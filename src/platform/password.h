#pragma once
// Password hashing (argon2id through libsodium's crypto_pwhash_str, which embeds the salt and the
// cost parameters in the stored string) and the password rules.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace stagecast::platform {

// Cost of one hash. The defaults are libsodium's "interactive" limits (2 passes, 64 MiB), meant for
// online logins; tests use minimum() so that a hash takes microseconds.
struct Argon2Limits {
  uint64_t ops_limit;
  size_t mem_limit;

  static Argon2Limits interactive();
  static Argon2Limits moderate();
  static Argon2Limits minimum();
};

inline constexpr size_t kPasswordMinChars = 8;
inline constexpr size_t kPasswordMaxChars = 128;

// Valid UTF-8, kPasswordMinChars..kPasswordMaxChars code points, no NUL. No composition rules:
// length is what makes passwords strong (NIST SP 800-63B §5.1.1.2).
// Errors: validation_failed.
Result<void> validate_password(std::string_view password);

class PasswordHasher {
 public:
  // Throws std::runtime_error when libsodium cannot start or the limits are below its minimum
  // (a start-up configuration error).
  explicit PasswordHasher(Argon2Limits limits = Argon2Limits::interactive());

  // An encoded "$argon2id$v=19$m=...,t=...,p=1$salt$hash" string. Errors: internal (out of memory).
  Result<std::string> hash(std::string_view password) const;

  bool verify(std::string_view encoded_hash, std::string_view password) const;

  // True when the stored hash was made with other limits than ours (rehash after a good login).
  bool needs_rehash(std::string_view encoded_hash) const;

  // Spends the same work as verify() against a real hash, for the unknown-account path of a login
  // so that response time does not reveal whether an email is registered.
  void burn_equivalent_time(std::string_view password) const;

 private:
  Argon2Limits limits_;
  std::string dummy_hash_;
};

}  // namespace stagecast::platform
