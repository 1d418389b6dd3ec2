#include "platform/playback_token.h"

#include <gtest/gtest.h>

#include "platform/base64url.h"
#include "platform/stream_key.h"

namespace stagecast::platform {
namespace {

using namespace std::chrono_literals;

const std::string kSecret = "playback-secret-playback-secret-0123";

class PlaybackTokenTest : public ::testing::Test {
 protected:
  PlaybackTokenSigner signer(std::string secret = kSecret) {
    auto s = PlaybackTokenSigner::create({std::move(secret), 5min}, clock_);
    EXPECT_TRUE(s.ok());
    return std::move(s).value();
  }
  ManualClock clock_;
};

TEST_F(PlaybackTokenTest, RoundTripsBoundToStreamAndViewer) {
  const auto s = signer();
  const PlaybackGrant grant = s.issue("stream-1", "user-9");
  EXPECT_EQ(grant.expires_at, clock_.unix_seconds() + 300);
  EXPECT_EQ(grant.token.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."),
            std::string::npos)
      << "token must be usable in a URL without escaping";
  auto ok = s.verify(grant.token, "stream-1");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->viewer_id, "user-9");
  EXPECT_EQ(ok->stream_id, "stream-1");
  EXPECT_EQ(ok->expires_at, grant.expires_at);

  EXPECT_EQ(s.verify(grant.token, "stream-2").error().code, "token_signature_invalid");
  EXPECT_EQ(signer(kSecret + "x").verify(grant.token, "stream-1").error().code,
            "token_signature_invalid");
}

TEST_F(PlaybackTokenTest, AnonymousViewers) {
  const auto s = signer();
  const PlaybackGrant grant = s.issue("stream-1", kAnonymousViewer);
  auto ok = s.verify(grant.token, "stream-1");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->viewer_id, "anon");
}

TEST_F(PlaybackTokenTest, ExpiresAfterItsLifetime) {
  const auto s = signer();
  const PlaybackGrant grant = s.issue("stream-1", "user-9");
  clock_.advance(299s);
  EXPECT_TRUE(s.verify(grant.token, "stream-1").ok());
  clock_.advance(1s);
  EXPECT_EQ(s.verify(grant.token, "stream-1").error().code, "token_expired");
}

TEST_F(PlaybackTokenTest, RejectsTamperingAndGarbage) {
  const auto s = signer();
  const std::string token = s.issue("stream-1", "user-9").token;
  const auto dot1 = token.find('.');
  const auto dot2 = token.rfind('.');
  // Another viewer, and a later expiry, with the original MAC.
  EXPECT_EQ(s.verify(base64url_encode("user-8") + token.substr(dot1), "stream-1").error().code,
            "token_signature_invalid");
  const std::string later = token.substr(0, dot1 + 1) +
                            std::to_string(clock_.unix_seconds() + 86400) + token.substr(dot2);
  EXPECT_EQ(s.verify(later, "stream-1").error().code, "token_signature_invalid");
  for (const std::string& bad :
       {std::string(), std::string("abc"), std::string("a.b"), token + ".x", token + "=",
        token.substr(0, dot1 + 1) + "0" + token.substr(dot1 + 1),  // leading zero: not canonical
        token.substr(0, dot1 + 1) + "-5" + token.substr(dot2), "." + token.substr(dot1),
        std::string(600, 'a')}) {
    EXPECT_EQ(s.verify(bad, "stream-1").error().code, "token_malformed") << bad;
  }
}

TEST_F(PlaybackTokenTest, RefusesWeakConfiguration) {
  EXPECT_EQ(PlaybackTokenSigner::create({"short", 5min}, clock_).error().code, "invalid_config");
  EXPECT_EQ(PlaybackTokenSigner::create({kSecret, 0s}, clock_).error().code, "invalid_config");
}

TEST(StreamKey, IsRandomPrefixedAndStoredAsSha256) {
  const StreamKey a = generate_stream_key();
  const StreamKey b = generate_stream_key();
  EXPECT_NE(a.plain, b.plain);
  EXPECT_EQ(a.plain.rfind("sk_", 0), 0u);
  EXPECT_EQ(a.plain.size(), 3u + 32u);  // 24 random bytes = 192 bits
  EXPECT_TRUE(looks_like_stream_key(a.plain));
  EXPECT_EQ(a.hash.size(), 64u);
  EXPECT_EQ(a.hash, hash_stream_key(a.plain));
  EXPECT_EQ(a.hash.find(a.plain.substr(3)), std::string::npos);
  // Same digest as `printf sk_test | sha256sum`.
  EXPECT_EQ(hash_stream_key("sk_test"),
            "12b2820cf1639904311da5771de1e5bb65c77073fdc7c555df395942df42896b");
}

TEST(StreamKey, ShapeCheck) {
  EXPECT_FALSE(looks_like_stream_key(""));
  EXPECT_FALSE(looks_like_stream_key("sk_"));
  EXPECT_FALSE(looks_like_stream_key("pk_" + std::string(32, 'a')));
  EXPECT_FALSE(looks_like_stream_key("sk_" + std::string(31, 'a')));
  EXPECT_FALSE(looks_like_stream_key("sk_" + std::string(31, 'a') + "/"));
  EXPECT_TRUE(looks_like_stream_key("sk_" + std::string(31, 'a') + "-"));
}

}  // namespace
}  // namespace stagecast::platform
