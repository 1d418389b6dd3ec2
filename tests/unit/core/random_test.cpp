#include "core/random.h"

#include <gtest/gtest.h>

#include <set>

namespace stagecast {
namespace {

TEST(Random, TokensAreUrlSafeAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string t = random_token(24);
    EXPECT_EQ(t.size(), 32u);  // 24 bytes -> 32 base64 characters, no padding
    EXPECT_EQ(t.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(random_id().size(), 32u);
}

}  // namespace
}  // namespace stagecast
