#include <gtest/gtest.h>

#include "platform/base64url.h"
#include "core/digest.h"

namespace stagecast::platform {
namespace {

std::string decoded(std::string_view text) {
  auto bytes = base64url_decode(text);
  return bytes ? std::string(bytes->begin(), bytes->end()) : std::string("<invalid>");
}

TEST(Base64Url, MatchesRfc4648Vectors) {
  // RFC 4648 §10 test vectors, without padding.
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(decoded("Zm9vYmFy"), "foobar");
  EXPECT_EQ(decoded("Zm8"), "fo");
  // The url-safe alphabet: 0xfb 0xff encodes with '-' and '_' where base64 has '+' and '/'.
  EXPECT_EQ(base64url_encode(std::string("\xfb\xff", 2)), "-_8");
  EXPECT_EQ(decoded("-_8"), std::string("\xfb\xff", 2));
}

TEST(Base64Url, DecodingIsStrict) {
  EXPECT_EQ(decoded("Zm8="), "<invalid>");   // padding
  EXPECT_EQ(decoded("+/8"), "<invalid>");    // standard alphabet
  EXPECT_EQ(decoded("Zm9"), "<invalid>");    // non-zero trailing bits: a second encoding of "fo"
  EXPECT_EQ(decoded("Z"), "<invalid>");      // impossible length
  EXPECT_EQ(decoded("Zm 9v"), "<invalid>");  // whitespace
}

TEST(Digest, MatchesKnownAnswers) {
  // FIPS 180-2 appendix B.1.
  EXPECT_EQ(to_hex(sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  EXPECT_EQ(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Digest, ConstantTimeEqualComparesContentAndLength) {
  const auto a = sha256("a");
  auto b = a;
  EXPECT_TRUE(constant_time_equal(a, b));
  b[31] ^= 1;
  EXPECT_FALSE(constant_time_equal(a, b));
  EXPECT_FALSE(constant_time_equal(a, std::span<const uint8_t>(a).first(31)));
}

}  // namespace
}  // namespace stagecast::platform
