// Stripe-Signature verification. The vectors were produced by Stripe's official Node library
// (stripe@23.1.0, webhooks.generateTestHeaderString) and cross-checked with
// `openssl dgst -sha256 -hmac`.

#include "payments/stripe_signature.h"

#include <gtest/gtest.h>

#include "payments/payment_errors.h"

namespace stagecast::payments {
namespace {

constexpr const char* kSecret = "whsec_test_secret";
constexpr const char* kPayload =
    R"({"id":"evt_test_1","object":"event","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","object":"payment_intent","amount":1000,"metadata":{"tip_id":"abc"}}}})";
constexpr const char* kHeader =
    "t=1700000000,v1=b19bf263c19daf54f598673a41b9988a0e75e5eb6f6e47f08c02b1532d165013";
constexpr const char* kWrongSig =
    "0000000000000000000000000000000000000000000000000000000000000000";

ManualClock clock_at(int64_t unix_seconds) { return ManualClock(unix_seconds * 1000); }

TEST(StripeSignature, ComputesTheVectorsOfStripesLibrary) {
  EXPECT_EQ(signature_header(kSecret, 1700000000, kPayload), kHeader);
  EXPECT_EQ(compute_signature_hex(kSecret, 1700000123, ""),
            "6ba9c2492c1fd2342ff914c272c4652def536b045972e99ac4b03b836b4cfb9d");
  // UTF-8 in both the secret and the payload: bytes, not characters, are signed.
  EXPECT_EQ(compute_signature_hex("whsec_\xc3\xa9", 1, "{\"a\":\"\xc3\xa9\"}"),
            "df1e4dab60faa0e6592a309fc85345bfa4350cda72181e342c37d633cd520407");
}

TEST(StripeSignature, AcceptsAGenuineHeaderWithinTolerance) {
  for (int64_t skew : {0, 299, 300, -300}) {
    ManualClock clock = clock_at(1700000000 + skew);
    WebhookVerifier v(kSecret, clock);
    auto r = v.verify(kPayload, kHeader);
    ASSERT_TRUE(r) << skew << ": " << r.error().message;
    EXPECT_EQ(*r, 1700000000);
  }
}

TEST(StripeSignature, RefusesOldAndFutureTimestamps) {
  for (int64_t skew : {301, 3600, -301}) {
    ManualClock clock = clock_at(1700000000 + skew);
    WebhookVerifier v(kSecret, clock);
    auto r = v.verify(kPayload, kHeader);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, errc::kSignatureExpired) << skew;
  }
}

TEST(StripeSignature, ToleranceIsConfigurable) {
  ManualClock clock = clock_at(1700000000 + 30);
  EXPECT_FALSE(WebhookVerifier(kSecret, clock, std::chrono::seconds(10)).verify(kPayload, kHeader));
  EXPECT_TRUE(WebhookVerifier(kSecret, clock, std::chrono::seconds(30)).verify(kPayload, kHeader));
}

TEST(StripeSignature, RefusesAWrongSecretAChangedBodyAndAChangedTimestamp) {
  ManualClock clock = clock_at(1700000000);
  WebhookVerifier wrong_secret("whsec_other", clock);
  EXPECT_EQ(wrong_secret.verify(kPayload, kHeader).error().code, errc::kSignatureMismatch);

  WebhookVerifier v(kSecret, clock);
  std::string changed = kPayload;
  changed[changed.find("1000")] = '9';  // the amount
  EXPECT_EQ(v.verify(changed, kHeader).error().code, errc::kSignatureMismatch);
  EXPECT_EQ(v.verify(std::string(kPayload) + " ", kHeader).error().code, errc::kSignatureMismatch);
  // The timestamp is signed too: moving it breaks the signature.
  std::string moved = kHeader;
  moved.replace(2, 10, "1700000001");
  EXPECT_EQ(v.verify(kPayload, moved).error().code, errc::kSignatureMismatch);
}

TEST(StripeSignature, AnyOfSeveralV1SignaturesMayMatch) {
  ManualClock clock = clock_at(1700000000);
  WebhookVerifier v(kSecret, clock);
  const std::string good = std::string(kHeader).substr(std::string(kHeader).find("v1="));
  // While a secret is rolled Stripe signs with both; order does not matter; v0 is ignored.
  EXPECT_TRUE(v.verify(kPayload, std::string("t=1700000000,v1=") + kWrongSig + "," + good));
  EXPECT_TRUE(v.verify(kPayload, std::string("t=1700000000,") + good + ",v1=" + kWrongSig));
  EXPECT_TRUE(v.verify(kPayload, std::string("t=1700000000,v0=abc,") + good));
  EXPECT_TRUE(v.verify(kPayload, std::string("t=1700000000, ") + good));  // tolerant of spaces
  // Upper-case hex is the same signature.
  std::string upper = kHeader;
  for (size_t i = upper.find("v1=") + 3; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  EXPECT_TRUE(v.verify(kPayload, upper));
}

TEST(StripeSignature, RefusesMissingAndMalformedHeaders) {
  ManualClock clock = clock_at(1700000000);
  WebhookVerifier v(kSecret, clock);
  EXPECT_EQ(v.verify(kPayload, "").error().code, errc::kSignatureMissing);
  EXPECT_EQ(v.verify(kPayload, "   ").error().code, errc::kSignatureMissing);
  const std::string sig = std::string("v1=") + kWrongSig;
  EXPECT_EQ(v.verify(kPayload, sig).error().code, errc::kSignatureMalformed);  // no t
  EXPECT_EQ(v.verify(kPayload, "t=abc," + sig).error().code, errc::kSignatureMalformed);
  EXPECT_EQ(v.verify(kPayload, "t=-5," + sig).error().code, errc::kSignatureMalformed);
  EXPECT_EQ(v.verify(kPayload, "t=1,t=2," + sig).error().code, errc::kSignatureMalformed);
  EXPECT_EQ(v.verify(kPayload, "t=1234567890123," + sig).error().code, errc::kSignatureMalformed);
  EXPECT_EQ(v.verify(kPayload, "garbage").error().code, errc::kSignatureMalformed);
  EXPECT_EQ(v.verify(kPayload, "t=1700000000").error().code, errc::kSignatureMismatch);  // no v1
  EXPECT_EQ(v.verify(kPayload, "t=1700000000,v1=abc").error().code, errc::kSignatureMismatch);
  EXPECT_EQ(v.verify(kPayload, std::string(5000, 'x')).error().code, errc::kSignatureMalformed);
  std::string many = "t=1700000000";
  for (int i = 0; i < 40; ++i) many += std::string(",v1=") + kWrongSig;
  EXPECT_EQ(v.verify(kPayload, many).error().code, errc::kSignatureMalformed);
}

TEST(StripeSignature, AnEmptySecretVerifiesNothing) {
  ManualClock clock = clock_at(1700000000);
  WebhookVerifier v("", clock);
  const std::string forged = signature_header("", 1700000000, kPayload);
  EXPECT_EQ(v.verify(kPayload, forged).error().code, errc::kSignatureMismatch);
}

TEST(StripeSignature, ParsesTheHeader) {
  auto h = parse_signature_header(std::string("t=42,v1=") + kWrongSig + ",v1=zz,v0=1");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->timestamp, 42);
  ASSERT_EQ(h->v1.size(), 1u);  // "zz" cannot be a signature and is skipped
  EXPECT_EQ(h->v1[0][0], 0);
}

}  // namespace
}  // namespace stagecast::payments
