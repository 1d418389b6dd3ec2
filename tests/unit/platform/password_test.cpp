#include "platform/password.h"

#include <gtest/gtest.h>

#include "platform/email.h"

namespace stagecast::platform {
namespace {

TEST(PasswordHasher, HashesWithArgon2idAndVerifies) {
  const PasswordHasher hasher(Argon2Limits::minimum());
  auto hash = hasher.hash("correct horse battery staple");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$v=19$", 0), 0u) << *hash;
  EXPECT_TRUE(hasher.verify(*hash, "correct horse battery staple"));
  EXPECT_FALSE(hasher.verify(*hash, "correct horse battery stapler"));
  EXPECT_FALSE(hasher.verify(*hash, ""));
  EXPECT_FALSE(hasher.verify("", "correct horse battery staple"));
  EXPECT_FALSE(hasher.verify("$argon2id$garbage", "correct horse battery staple"));
  // Salted: the same password never hashes the same way twice.
  EXPECT_NE(*hasher.hash("correct horse battery staple"), *hash);
}

TEST(PasswordHasher, DetectsHashesMadeWithOtherLimits) {
  const PasswordHasher weak(Argon2Limits::minimum());
  const PasswordHasher stronger(Argon2Limits{3, Argon2Limits::minimum().mem_limit * 2});
  const std::string hash = *weak.hash("password-123");
  EXPECT_FALSE(weak.needs_rehash(hash));
  EXPECT_TRUE(stronger.needs_rehash(hash));
  EXPECT_TRUE(stronger.verify(hash, "password-123"));  // old hashes keep working
}

TEST(PasswordHasher, RefusesLimitsBelowTheMinimum) {
  EXPECT_THROW(PasswordHasher(Argon2Limits{0, 1024}), std::runtime_error);
}

TEST(PasswordRules, LengthIsCountedInCharacters) {
  EXPECT_FALSE(validate_password("").ok());
  EXPECT_FALSE(validate_password("1234567").ok());
  EXPECT_TRUE(validate_password("12345678").ok());
  EXPECT_TRUE(validate_password(std::string(128, 'x')).ok());
  EXPECT_FALSE(validate_password(std::string(129, 'x')).ok());
  EXPECT_EQ(validate_password("short").error().code, "validation_failed");
  // Eight two-byte characters pass; 128 four-byte characters (512 bytes) pass; 129 do not.
  std::string eight_e;
  for (int i = 0; i < 8; ++i) eight_e += "\xc3\xa9";  // é
  EXPECT_TRUE(validate_password(eight_e).ok());
  std::string emoji;
  for (int i = 0; i < 128; ++i) emoji += "\xf0\x9f\x8e\xb5";  // U+1F3B5
  EXPECT_TRUE(validate_password(emoji).ok());
  EXPECT_FALSE(validate_password(emoji + "\xf0\x9f\x8e\xb5").ok());
  // Four two-byte characters are 8 bytes but only 4 characters.
  EXPECT_FALSE(validate_password("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9").ok());
}

TEST(PasswordRules, RejectsInvalidUtf8AndNul) {
  EXPECT_FALSE(validate_password("abcdefg\xff").ok());
  EXPECT_FALSE(validate_password("abcdefg\xc3").ok());          // truncated sequence
  EXPECT_FALSE(validate_password("abcdefg\xc0\xaf").ok());      // overlong '/'
  EXPECT_FALSE(validate_password("abcdefg\xed\xa0\x80").ok());  // UTF-16 surrogate
  EXPECT_FALSE(validate_password(std::string("abcd\0efgh", 9)).ok());
}

TEST(Email, NormalisesCaseAndWhitespace) {
  EXPECT_EQ(*normalize_email("  Ann.Lee+live@Example.COM \n"), "ann.lee+live@example.com");
  EXPECT_EQ(*normalize_email("a@b.co"), "a@b.co");
  EXPECT_EQ(*normalize_email("x@mail.xn--p1ai"), "x@mail.xn--p1ai");
}

TEST(Email, RejectsInvalidAddresses) {
  for (const char* bad : {"",
                          "   ",
                          "plain",
                          "@example.com",
                          "ann@",
                          "ann@@example.com",
                          "a@b@example.com",
                          "ann@localhost",
                          "ann@example",
                          ".ann@example.com",
                          "ann.@example.com",
                          "an..n@example.com",
                          "ann@-example.com",
                          "ann@example-.com",
                          "ann@exa_mple.com",
                          "ann@example..com",
                          "ann@example.123",
                          "\"ann\"@example.com",
                          "ann@[127.0.0.1]",
                          "ann lee@example.com",
                          "ann@ex ample.com",
                          "j\xc3\xb6rg@example.com"}) {
    auto r = normalize_email(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, "validation_failed");
    }
  }
  EXPECT_FALSE(normalize_email(std::string(65, 'a') + "@example.com").ok());
  EXPECT_TRUE(normalize_email(std::string(64, 'a') + "@example.com").ok());
  EXPECT_FALSE(normalize_email("a@" + std::string(250, 'b') + ".com").ok());
}

}  // namespace
}  // namespace stagecast::platform
