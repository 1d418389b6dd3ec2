// Web Push pieces (docs/notifications.md): RFC 8291 encryption against the RFC's Appendix A,
// VAPID JWTs (RFC 8292) checked with the public key, PushSubscription validation, Retry-After.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/base64url.h"
#include "notify/p256.h"
#include "notify/push_subscription.h"
#include "notify/vapid.h"
#include "notify/web_push_client.h"
#include "notify/web_push_encryption.h"

namespace stagecast::notify {
namespace {

std::vector<uint8_t> b64(std::string_view s) {
  auto v = base64url_decode(s);
  EXPECT_TRUE(v) << s;
  return v.value_or(std::vector<uint8_t>{});
}

// RFC 8291 Appendix A.
constexpr std::string_view kPlaintext = "When I grow up, I want to be a watermelon";
constexpr std::string_view kAsPrivate = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
constexpr std::string_view kAsPublic =
    "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
constexpr std::string_view kUaPublic =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
constexpr std::string_view kSalt = "DGv6ra1nlYgDCS1FRnbzlw";
constexpr std::string_view kAuth = "BTBZMqHH6r4Tts7J_aSIgg";
constexpr std::string_view kBody =
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6"
    "TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qul"
    "cy4a-fN";

TEST(WebPushEncryption, Rfc8291AppendixA) {
  auto as = P256Key::from_private(b64(kAsPrivate));
  ASSERT_TRUE(as) << as.error().message;
  EXPECT_EQ(base64url_encode(std::span<const uint8_t>(as->public_key())), kAsPublic);
  std::array<uint8_t, 16> salt{};
  const auto s = b64(kSalt);
  std::copy(s.begin(), s.end(), salt.begin());
  auto body = encrypt_push_message(kPlaintext, b64(kUaPublic), b64(kAuth), &*as, salt);
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_EQ(base64url_encode(std::span<const uint8_t>(*body)), kBody);
}

TEST(WebPushEncryption, FreshKeyAndSaltEachMessage) {
  auto a = encrypt_push_message("x", b64(kUaPublic), b64(kAuth));
  auto b = encrypt_push_message("x", b64(kUaPublic), b64(kAuth));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 86u + 2u + 16u);
  EXPECT_NE(std::vector<uint8_t>(a->begin(), a->begin() + 86),
            std::vector<uint8_t>(b->begin(), b->begin() + 86));
}

TEST(WebPushEncryption, RefusesBadKeysAndOversizePayloads) {
  auto bad_point = b64(kUaPublic);
  bad_point[64] ^= 1;  // off the curve
  EXPECT_EQ(encrypt_push_message("x", bad_point, b64(kAuth)).error().code, "invalid_key");
  EXPECT_EQ(encrypt_push_message("x", b64(kUaPublic), std::vector<uint8_t>(15)).error().code,
            "invalid_key");
  EXPECT_EQ(
      encrypt_push_message(std::string(kMaxPushPlaintext + 1, 'a'), b64(kUaPublic), b64(kAuth))
          .error()
          .code,
      "payload_too_large");
  EXPECT_TRUE(
      encrypt_push_message(std::string(kMaxPushPlaintext, 'a'), b64(kUaPublic), b64(kAuth)));
}

TEST(Vapid, JwtVerifiesWithThePublicKey) {
  auto key = P256Key::generate();
  ASSERT_TRUE(key);
  auto jwt =
      vapid_jwt(*key, "https://push.example.net", "mailto:ops@stagecast.test", 1'900'000'000);
  ASSERT_TRUE(jwt);
  const size_t d1 = jwt->find('.');
  const size_t d2 = jwt->rfind('.');
  const auto header = nlohmann::json::parse(b64(jwt->substr(0, d1)));
  const auto claims = nlohmann::json::parse(b64(jwt->substr(d1 + 1, d2 - d1 - 1)));
  EXPECT_EQ(header, (nlohmann::json{{"typ", "JWT"}, {"alg", "ES256"}}));
  EXPECT_EQ(claims["aud"], "https://push.example.net");
  EXPECT_EQ(claims["exp"], 1'900'000'000);
  EXPECT_EQ(claims["sub"], "mailto:ops@stagecast.test");
  const auto sig = b64(jwt->substr(d2 + 1));
  ASSERT_EQ(sig.size(), 64u);
  EXPECT_TRUE(verify_es256(key->public_key(), jwt->substr(0, d2), sig));
  auto other = P256Key::generate();
  EXPECT_FALSE(verify_es256(other->public_key(), jwt->substr(0, d2), sig));
  EXPECT_FALSE(verify_es256(key->public_key(), jwt->substr(0, d2) + "x", sig));
}

TEST(Vapid, SignerHeaderAndReuse) {
  auto key = std::make_shared<const P256Key>(P256Key::generate().value());
  VapidSigner signer(key, "mailto:ops@stagecast.test");
  auto h1 = signer.authorization("https://push.example.net", 1'000'000);
  auto h2 = signer.authorization("https://push.example.net", 1'000'060);
  ASSERT_TRUE(h1 && h2);
  EXPECT_EQ(*h1, *h2);  // reused within its lifetime
  EXPECT_TRUE(h1->starts_with("vapid t="));
  EXPECT_TRUE(h1->ends_with(", k=" + signer.public_key_b64()));
  auto later = signer.authorization("https://push.example.net", 1'000'000 + 12 * 3600);
  EXPECT_NE(*later, *h1);  // re-signed before it expires
  const std::string jwt = h1->substr(8, h1->find(',') - 8);
  const auto claims =
      nlohmann::json::parse(b64(jwt.substr(jwt.find('.') + 1, jwt.rfind('.') - jwt.find('.') - 1)));
  EXPECT_LE(claims["exp"].get<int64_t>() - 1'000'000, 24 * 3600);  // RFC 8292 2
}

TEST(Vapid, KeyFileIsCreatedOnceAndKept) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("vapid-" + std::to_string(::getpid()) + "-" + std::to_string(time(nullptr)));
  const std::string path = (dir / "secrets" / "vapid_private_key.pem").string();
  auto a = load_or_create_vapid_key(path);
  auto b = load_or_create_vapid_key(path);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->public_key(), b->public_key());
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::remove_all(dir);
}

TEST(Vapid, Origin) {
  EXPECT_EQ(url_origin("https://FCM.googleapis.com/fcm/send/abc").value(),
            "https://fcm.googleapis.com");
  EXPECT_EQ(url_origin("https://push.example:443/x").value(), "https://push.example");
  EXPECT_EQ(url_origin("http://127.0.0.1:4123/p/1").value(), "http://127.0.0.1:4123");
  EXPECT_FALSE(url_origin("ftp://x/y"));
}

std::string sub_json(std::string endpoint, std::string p256dh = std::string(kUaPublic),
                     std::string auth = std::string(kAuth)) {
  return nlohmann::json{{"endpoint", endpoint},
                        {"expirationTime", nullptr},
                        {"keys", {{"p256dh", p256dh}, {"auth", auth}}}}
      .dump();
}

TEST(PushSubscription, AcceptsWhatBrowsersSend) {
  auto s = parse_push_subscription(sub_json("https://fcm.googleapis.com/fcm/send/a:b"), false);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->endpoint, "https://fcm.googleapis.com/fcm/send/a:b");
  EXPECT_EQ(s->p256dh, kUaPublic);
  EXPECT_TRUE(parse_push_subscription(sub_json("http://127.0.0.1:9/p"), true));
}

TEST(PushSubscription, RefusesWithAClearMessage) {
  const auto refused = [](const std::string& body, bool test_switch, std::string_view says) {
    auto r = parse_push_subscription(body, test_switch);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().code, "validation_failed");
    EXPECT_NE(r.error().message.find(says), std::string::npos) << r.error().message;
  };
  refused("[]", false, "JSON object");
  refused("{", false, "JSON object");
  refused(R"({"keys":{}})", false, "endpoint");
  refused(sub_json("http://push.example/x"), false, "https");
  refused(sub_json("http://127.0.0.1:9/p"), false, "https");
  refused(sub_json("http://push.example/x"), true, "https");  // the switch is loopback only
  refused(sub_json("https://127.0.0.1/p"), false, "loopback or private");
  refused(sub_json("https://10.1.2.3/p"), false, "loopback or private");
  refused(sub_json("https://[::1]/p"), false, "loopback or private");
  refused(sub_json("https://user:pw@push.example/p"), false, "credentials");
  refused(sub_json("https://push.example/a b"), false, "space");
  refused(sub_json("https://push.example:x/p"), false, "port");
  refused(sub_json("https://push.example/" + std::string(2100, 'a')), false, "2048");
  auto off_curve = b64(kUaPublic);
  off_curve[64] ^= 1;
  refused(sub_json("https://push.example/p", base64url_encode(std::span<const uint8_t>(off_curve))),
          false, "p256dh");
  refused(sub_json("https://push.example/p", std::string(kUaPublic.substr(0, 43))), false,
          "p256dh");
  refused(sub_json("https://push.example/p", std::string(kUaPublic), "AAAA"), false, "auth");
  refused(sub_json("https://push.example/p", std::string(kUaPublic), "BTBZMqHH6r4Tts7J_aSIgg=="),
          false, "auth");
  refused(R"({"endpoint":"https://push.example/p","keys":{"p256dh":1,"auth":"x"}})", false,
          "p256dh");
  refused(R"({"endpoint":"https://push.example/p","extra":1})", false, "unknown field");
  refused(R"({"endpoint":"https://push.example/p","expirationTime":"soon","keys":{}})", false,
          "expirationTime");
}

TEST(RetryAfter, SecondsAndDates) {
  EXPECT_EQ(parse_retry_after("120", 0), 120);
  EXPECT_EQ(parse_retry_after(" 0 ", 0), 0);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 - 30), 30);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 30), 0);
  EXPECT_FALSE(parse_retry_after("-5", 0));
  EXPECT_FALSE(parse_retry_after("soon", 0));
  EXPECT_FALSE(parse_retry_after("Sun, 06 Nov 1994 08:49:37 UTC", 0));
  EXPECT_FALSE(parse_retry_after("", 0));
  EXPECT_EQ(parse_retry_after("99999999999999999999", 0), 999'999'999);
}

}  // namespace
}  // namespace stagecast::notify
