#include "platform/jwt.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "platform/base64url.h"
#include "core/digest.h"
#include "test_signer.h"

namespace stagecast::platform {
namespace {

using nlohmann::json;
using testing::TestKey;
using namespace std::chrono_literals;

const std::string kSecret = "0123456789abcdef0123456789abcdef-our-own-secret";
constexpr int64_t kNow = 1'700'000'000;  // ManualClock's default start, in seconds

// Keys are expensive to generate; one set serves every test in this file.
const TestKey& rsa_key() {
  static const TestKey key = TestKey::rsa();
  return key;
}
const TestKey& other_rsa_key() {
  static const TestKey key = TestKey::rsa();
  return key;
}
const TestKey& ec_key() {
  static const TestKey key = TestKey::ec();
  return key;
}
const TestKey& other_ec_key() {
  static const TestKey key = TestKey::ec();
  return key;
}

json good_claims() {
  return {{"sub", "user-1"},
          {"role", "FAN"},
          {"iss", "directfanz"},
          {"iat", kNow},
          {"exp", kNow + 600}};
}

JwtKey own_key() {
  return JwtKey{JwtAlgorithm::HS256, kSecret, "", "stagecast", TokenSource::Local};
}
JwtKey platform_rsa(const TestKey& key = rsa_key(), std::string kid = "") {
  return JwtKey{JwtAlgorithm::RS256, key.public_pem(), std::move(kid), "directfanz",
                TokenSource::Platform};
}
JwtKey platform_ec(const TestKey& key = ec_key()) {
  return JwtKey{JwtAlgorithm::ES256, key.public_pem(), "", "directfanz", TokenSource::Platform};
}

class JwtTest : public ::testing::Test {
 protected:
  JwtVerifier verifier(std::vector<JwtKey> keys, std::string audience = "") {
    JwtVerifierOptions options;
    options.keys = std::move(keys);
    options.audience = std::move(audience);
    auto v = JwtVerifier::create(std::move(options), clock_);
    EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message);
    return std::move(v).value();
  }
  std::string code_of(const JwtVerifier& v, const std::string& token) {
    auto r = v.verify(token);
    return r.ok() ? "ok" : r.error().code;
  }
  ManualClock clock_;  // starts at kNow
};

TEST_F(JwtTest, IssuesHs256TokensThatVerifyWithAllClaims) {
  auto issuer = JwtIssuer::create({kSecret, "stagecast", "", 2h}, clock_);
  ASSERT_TRUE(issuer.ok());
  const IssuedToken issued = issuer->issue("user-42", "ARTIST");
  EXPECT_EQ(issued.expires_at, kNow + 7200);

  const auto v = verifier({own_key()});
  auto claims = v.verify(issued.token);
  ASSERT_TRUE(claims.ok()) << claims.error().message;
  EXPECT_EQ(claims->subject, "user-42");
  EXPECT_EQ(claims->role, "ARTIST");
  EXPECT_EQ(claims->issuer, "stagecast");
  EXPECT_EQ(claims->issued_at, kNow);
  EXPECT_EQ(claims->expires_at, kNow + 7200);
  EXPECT_EQ(claims->algorithm, JwtAlgorithm::HS256);
  EXPECT_EQ(claims->source, TokenSource::Local);

  // The header is exactly what RFC 7519 §5 shows for a JWT.
  const auto dot = issued.token.find('.');
  EXPECT_EQ(issued.token.substr(0, dot), testing::b64url(R"({"alg":"HS256","typ":"JWT"})"));
}

TEST_F(JwtTest, IssuerRefusesShortSecretAndBadLifetime) {
  EXPECT_EQ(JwtIssuer::create({"short", "stagecast", "", 1h}, clock_).error().code,
            "invalid_config");
  EXPECT_EQ(JwtIssuer::create({kSecret, "stagecast", "", 0s}, clock_).error().code,
            "invalid_config");
}

TEST_F(JwtTest, VerifiesRs256AndEs256PlatformTokens) {
  const auto v = verifier({own_key(), platform_rsa(), platform_ec()});
  const json header_rs = {{"alg", "RS256"}, {"typ", "JWT"}};
  const json header_es = {{"alg", "ES256"}, {"typ", "JWT"}};

  auto rs = v.verify(testing::sign_with(rsa_key(), header_rs, good_claims()));
  ASSERT_TRUE(rs.ok()) << rs.error().message;
  EXPECT_EQ(rs->subject, "user-1");
  EXPECT_EQ(rs->algorithm, JwtAlgorithm::RS256);
  EXPECT_EQ(rs->source, TokenSource::Platform);

  auto es = v.verify(testing::sign_with(ec_key(), header_es, good_claims()));
  ASSERT_TRUE(es.ok()) << es.error().message;
  EXPECT_EQ(es->algorithm, JwtAlgorithm::ES256);
}

TEST_F(JwtTest, RejectsAlgNoneInEveryDisguise) {
  const auto v = verifier({own_key(), platform_rsa()});
  for (const char* alg : {"none", "None", "NONE", "hs256", ""}) {
    const json header = {{"alg", alg}, {"typ", "JWT"}};
    // Unsecured JWS (RFC 7515 appendix A.5) has an empty signature; also try a non-empty one.
    const std::string unsecured =
        testing::b64url(header.dump()) + "." + testing::b64url(good_claims().dump()) + ".";
    EXPECT_NE(code_of(v, unsecured), "ok") << alg;
    EXPECT_EQ(code_of(v, testing::sign_hs256(header, good_claims(), kSecret)),
              "token_algorithm_rejected")
        << alg;
  }
  EXPECT_EQ(code_of(v, testing::sign_hs256({{"typ", "JWT"}}, good_claims(), kSecret)),
            "token_malformed");
  EXPECT_EQ(code_of(v, testing::sign_hs256({{"alg", 256}}, good_claims(), kSecret)),
            "token_malformed");
}

TEST_F(JwtTest, RejectsAlgorithmsWithoutAConfiguredKey) {
  const auto rsa_only = verifier({platform_rsa()});
  EXPECT_EQ(code_of(rsa_only, testing::sign_with(ec_key(), {{"alg", "ES256"}}, good_claims())),
            "token_algorithm_rejected");
  EXPECT_EQ(code_of(rsa_only, testing::sign_hs256({{"alg", "HS384"}}, good_claims(), kSecret)),
            "token_algorithm_rejected");
}

TEST_F(JwtTest, RejectsAlgorithmConfusionWithThePublicKeyAsHmacSecret) {
  // The attacker knows the platform's RSA public key and signs an HS256 token with its PEM text as
  // the HMAC secret, hoping the verifier feeds "the configured key" to HMAC.
  const std::string pem = rsa_key().public_pem();
  const std::string forged = testing::sign_hs256({{"alg", "HS256"}}, good_claims(), pem);
  EXPECT_EQ(code_of(verifier({platform_rsa()}), forged), "token_algorithm_rejected");
  // With an HS256 key configured as well, the forged token meets our secret, not the PEM.
  EXPECT_EQ(code_of(verifier({own_key(), platform_rsa()}), forged), "token_signature_invalid");
  // Same trick with the EC key.
  const std::string forged_ec =
      testing::sign_hs256({{"alg", "HS256"}}, good_claims(), ec_key().public_pem());
  EXPECT_EQ(code_of(verifier({platform_ec()}), forged_ec), "token_algorithm_rejected");
}

TEST_F(JwtTest, RejectsSignaturesFromTheWrongKey) {
  const auto v = verifier({own_key(), platform_rsa(), platform_ec()});
  EXPECT_EQ(code_of(v, testing::sign_with(other_rsa_key(), {{"alg", "RS256"}}, good_claims())),
            "token_signature_invalid");
  EXPECT_EQ(code_of(v, testing::sign_with(other_ec_key(), {{"alg", "ES256"}}, good_claims())),
            "token_signature_invalid");
  json ours = good_claims();
  ours["iss"] = "stagecast";
  EXPECT_EQ(code_of(v, testing::sign_hs256({{"alg", "HS256"}}, ours,
                                           "another-secret-that-is-long-enough-000")),
            "token_signature_invalid");
  // An RS256 signature presented as ES256 and vice versa.
  const std::string input =
      testing::b64url(json{{"alg", "ES256"}}.dump()) + "." + testing::b64url(good_claims().dump());
  EXPECT_EQ(code_of(v, input + "." + testing::b64url(rsa_key().sign(input))),
            "token_signature_invalid");
}

TEST_F(JwtTest, RejectsDerEncodedEcdsaSignatures) {
  // RFC 7518 §3.4 mandates R||S; OpenSSL's DER form is a different (and malleable) encoding.
  const auto v = verifier({platform_ec()});
  EXPECT_EQ(code_of(v, testing::sign_with(ec_key(), {{"alg", "ES256"}}, good_claims(), true)),
            "token_signature_invalid");
}

TEST_F(JwtTest, RejectsTamperedClaims) {
  const auto v = verifier({platform_rsa()});
  const std::string token = testing::sign_with(rsa_key(), {{"alg", "RS256"}}, good_claims());
  json admin = good_claims();
  admin["role"] = "ADMIN";
  const auto dot1 = token.find('.');
  const auto dot2 = token.rfind('.');
  const std::string tampered =
      token.substr(0, dot1 + 1) + testing::b64url(admin.dump()) + token.substr(dot2);
  EXPECT_EQ(code_of(v, tampered), "token_signature_invalid");
}

TEST_F(JwtTest, RejectsBadBase64UrlAndBadStructure) {
  const auto v = verifier({own_key()});
  json ours = good_claims();
  ours["iss"] = "stagecast";
  const std::string token = testing::sign_hs256({{"alg", "HS256"}}, ours, kSecret);
  ASSERT_EQ(code_of(v, token), "ok");
  const auto dot1 = token.find('.');
  const auto dot2 = token.rfind('.');

  EXPECT_EQ(code_of(v, token + "="), "token_malformed");            // padding
  EXPECT_EQ(code_of(v, token.substr(0, dot2)), "token_malformed");  // two segments
  EXPECT_EQ(code_of(v, token + ".x"), "token_malformed");           // four segments
  EXPECT_EQ(code_of(v, ""), "token_malformed");
  EXPECT_EQ(code_of(v, ".."), "token_malformed");
  std::string plus = token;
  plus[dot2 + 1] = '+';  // standard base64 alphabet, not url-safe
  EXPECT_EQ(code_of(v, plus), "token_malformed");
  std::string bad_header = token;
  bad_header[0] = '!';
  EXPECT_EQ(code_of(v, bad_header), "token_malformed");
  // Header that is valid base64url but not JSON, and a JSON array instead of an object.
  EXPECT_EQ(code_of(v, testing::b64url("not json") + token.substr(dot1)), "token_malformed");
  EXPECT_EQ(code_of(v, testing::b64url("[\"HS256\"]") + token.substr(dot1)), "token_malformed");
  // Claims that are not an object, correctly signed.
  const std::string input = testing::b64url(R"({"alg":"HS256"})") + "." + testing::b64url("[1]");
  const auto mac = hmac_sha256(kSecret, input);
  EXPECT_EQ(code_of(v, input + "." + base64url_encode(mac)), "token_malformed");
}

TEST_F(JwtTest, RejectsOversizedTokens) {
  const auto v = verifier({own_key()});
  json big = good_claims();
  big["iss"] = "stagecast";
  big["pad"] = std::string(9000, 'a');
  EXPECT_EQ(code_of(v, testing::sign_hs256({{"alg", "HS256"}}, big, kSecret)), "token_too_large");
}

TEST_F(JwtTest, RejectsCriticalHeaderExtensions) {
  const auto v = verifier({platform_rsa()});
  const json header = {{"alg", "RS256"}, {"crit", {"exp"}}, {"exp", 1}};
  EXPECT_EQ(code_of(v, testing::sign_with(rsa_key(), header, good_claims())), "token_malformed");
}

TEST_F(JwtTest, EnforcesExpiryWithLeeway) {
  const auto v = verifier({platform_rsa()});  // default leeway: 30 s
  const std::string token = testing::sign_with(rsa_key(), {{"alg", "RS256"}}, good_claims());
  EXPECT_EQ(code_of(v, token), "ok");
  clock_.advance(600s);  // exactly exp: within leeway
  EXPECT_EQ(code_of(v, token), "ok");
  clock_.advance(29s);
  EXPECT_EQ(code_of(v, token), "ok");
  clock_.advance(1s);  // exp + leeway
  EXPECT_EQ(code_of(v, token), "token_expired");

  json no_exp = good_claims();
  no_exp.erase("exp");
  EXPECT_EQ(code_of(v, testing::sign_with(rsa_key(), {{"alg", "RS256"}}, no_exp)),
            "token_claims_invalid");
  json string_exp = good_claims();
  string_exp["exp"] = "tomorrow";
  EXPECT_EQ(code_of(v, testing::sign_with(rsa_key(), {{"alg", "RS256"}}, string_exp)),
            "token_claims_invalid");
}

TEST_F(JwtTest, AcceptsFractionalNumericDates) {
  const auto v = verifier({platform_rsa()});
  json claims = good_claims();
  claims["exp"] = static_cast<double>(kNow) + 100.75;
  auto r = v.verify(testing::sign_with(rsa_key(), {{"alg", "RS256"}}, claims));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->expires_at, kNow + 100);
}

TEST_F(JwtTest, EnforcesNotBefore) {
  const auto v = verifier({platform_ec()});
  json claims = good_claims();
  claims["nbf"] = kNow + 120;
  const std::string token = testing::sign_with(ec_key(), {{"alg", "ES256"}}, claims);
  EXPECT_EQ(code_of(v, token), "token_not_yet_valid");
  clock_.advance(90s);  // nbf - 30 s: inside the leeway
  EXPECT_EQ(code_of(v, token), "ok");
}

TEST_F(JwtTest, EnforcesIssuerBoundToTheKey) {
  const auto v = verifier({own_key(), platform_rsa()});
  json claims = good_claims();
  claims["iss"] = "evil";
  EXPECT_EQ(code_of(v, testing::sign_with(rsa_key(), {{"alg", "RS256"}}, claims)),
            "token_issuer_rejected");
  claims.erase("iss");
  EXPECT_EQ(code_of(v, testing::sign_with(rsa_key(), {{"alg", "RS256"}}, claims)),
            "token_issuer_rejected");
  // Our own secret only vouches for our own issuer.
  EXPECT_EQ(code_of(v, testing::sign_hs256({{"alg", "HS256"}}, good_claims(), kSecret)),
            "token_issuer_rejected");
}

TEST_F(JwtTest, OneSecretSharedByUsAndThePlatformKeepsTheSourcesApart) {
  // The platform signs with the same HS256 secret as we do; its iss decides which key vouches.
  const auto v = verifier(
      {own_key(), JwtKey{JwtAlgorithm::HS256, kSecret, "", "directfanz", TokenSource::Platform}});
  auto platform = v.verify(testing::sign_hs256({{"alg", "HS256"}}, good_claims(), kSecret));
  ASSERT_TRUE(platform.ok()) << platform.error().message;
  EXPECT_EQ(platform->source, TokenSource::Platform);
  json ours = good_claims();
  ours["iss"] = "stagecast";
  auto local = v.verify(testing::sign_hs256({{"alg", "HS256"}}, ours, kSecret));
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->source, TokenSource::Local);
}

TEST_F(JwtTest, EnforcesAudienceWhenConfigured) {
  const auto v = verifier({platform_rsa()}, "stagecast");
  json claims = good_claims();
  EXPECT_EQ(code_of(v, testing::sign_with(rsa_key(), {{"alg", "RS256"}}, claims)),
            "token_audience_rejected");
  claims["aud"] = "other-service";
  EXPECT_EQ(code_of(v, testing::sign_with(rsa_key(), {{"alg", "RS256"}}, claims)),
            "token_audience_rejected");
  claims["aud"] = "stagecast";
  EXPECT_EQ(code_of(v, testing::sign_with(rsa_key(), {{"alg", "RS256"}}, claims)), "ok");
  claims["aud"] = {"other-service", "stagecast"};
  EXPECT_EQ(code_of(v, testing::sign_with(rsa_key(), {{"alg", "RS256"}}, claims)), "ok");
  claims["aud"] = {"stagecast", 7};
  EXPECT_EQ(code_of(v, testing::sign_with(rsa_key(), {{"alg", "RS256"}}, claims)),
            "token_claims_invalid");
}

TEST_F(JwtTest, RequiresASubject) {
  const auto v = verifier({platform_rsa()});
  json claims = good_claims();
  claims.erase("sub");
  EXPECT_EQ(code_of(v, testing::sign_with(rsa_key(), {{"alg", "RS256"}}, claims)),
            "token_claims_invalid");
  claims["sub"] = 12345;  // numeric ids from the platform are accepted as their decimal text
  auto r = v.verify(testing::sign_with(rsa_key(), {{"alg", "RS256"}}, claims));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->subject, "12345");
}

TEST_F(JwtTest, SelectsKeyByKid) {
  const auto v = verifier({platform_rsa(rsa_key(), "k1"), platform_rsa(other_rsa_key(), "k2")});
  EXPECT_EQ(code_of(v, testing::sign_with(other_rsa_key(), {{"alg", "RS256"}, {"kid", "k2"}},
                                          good_claims())),
            "ok");
  // The kid names k1, but the token is signed by k2's key: no fallback to other keys.
  EXPECT_EQ(code_of(v, testing::sign_with(other_rsa_key(), {{"alg", "RS256"}, {"kid", "k1"}},
                                          good_claims())),
            "token_signature_invalid");
  // Without a kid, every key of the algorithm is tried (key rotation without kids).
  EXPECT_EQ(code_of(v, testing::sign_with(other_rsa_key(), {{"alg", "RS256"}}, good_claims())),
            "ok");
}

TEST_F(JwtTest, RefusesUnsuitableKeysAtStartup) {
  auto create = [&](JwtKey key) {
    JwtVerifierOptions options;
    options.keys = {std::move(key)};
    auto v = JwtVerifier::create(std::move(options), clock_);
    return v.ok() ? std::string("ok") : v.error().code;
  };
  EXPECT_EQ(create({JwtAlgorithm::HS256, "too-short", "", "", TokenSource::Local}),
            "invalid_config");
  EXPECT_EQ(create({JwtAlgorithm::RS256, "not a pem", "", "", TokenSource::Platform}),
            "invalid_config");
  EXPECT_EQ(
      create({JwtAlgorithm::RS256, TestKey::rsa(1024).public_pem(), "", "", TokenSource::Platform}),
      "invalid_config");
  EXPECT_EQ(create({JwtAlgorithm::RS256, ec_key().public_pem(), "", "", TokenSource::Platform}),
            "invalid_config");
  EXPECT_EQ(create({JwtAlgorithm::ES256, rsa_key().public_pem(), "", "", TokenSource::Platform}),
            "invalid_config");
  EXPECT_EQ(create({JwtAlgorithm::ES256, TestKey::ec("P-384").public_pem(), "", "",
                    TokenSource::Platform}),
            "invalid_config");
  EXPECT_EQ(JwtVerifier::create({}, clock_).error().code, "invalid_config");
}

// ---- interop with Node's crypto module -----------------------------------------------------

json load_node_fixture() {
  std::ifstream in(std::string(STAGECAST_TEST_DATA) + "/jwt/node_tokens.json");
  return json::parse(in);
}

TEST_F(JwtTest, VerifiesTokensSignedByNode) {
  const json fx = load_node_fixture();
  JwtVerifierOptions options;
  options.keys = {{JwtAlgorithm::HS256, fx["hs256_secret"].get<std::string>(), "", "directfanz",
                   TokenSource::Platform},
                  {JwtAlgorithm::RS256, fx["rsa_public_pem"].get<std::string>(), "rsa-1",
                   "directfanz", TokenSource::Platform},
                  {JwtAlgorithm::ES256, fx["ec_public_pem"].get<std::string>(), "ec-1",
                   "directfanz", TokenSource::Platform}};
  options.audience = "stagecast";
  clock_.advance(60s);
  auto v = JwtVerifier::create(std::move(options), clock_);
  ASSERT_TRUE(v.ok()) << v.error().message;
  for (const char* name : {"hs256_token", "rs256_token", "es256_token"}) {
    auto claims = v->verify(fx[name].get<std::string>());
    ASSERT_TRUE(claims.ok()) << name << ": " << claims.error().message;
    EXPECT_EQ(claims->subject, "user-node-1");
    EXPECT_EQ(claims->role, "ARTIST");
    EXPECT_EQ(claims->name, "Node Artist");
    EXPECT_EQ(claims->email, "node@example.com");
    EXPECT_EQ(claims->expires_at, 1'700'003'600);
  }
  clock_.advance(3600s);
  EXPECT_EQ(v->verify(fx["es256_token"].get<std::string>()).error().code, "token_expired");
}

std::optional<std::string> run_node(const std::string& script, const std::string& arg) {
  if (std::system("node --version > /dev/null 2>&1") != 0) return std::nullopt;
  const auto path = std::filesystem::temp_directory_path() / "stagecast_jwt_interop.js";
  std::ofstream(path) << script;
  const std::string cmd = "node " + path.string() + " '" + arg + "'";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string out;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  std::filesystem::remove(path);
  return out;
}

TEST_F(JwtTest, LiveInteropWithNode) {
  // Node verifies a token we issue, and signs fresh RS256/ES256 tokens with keys it generates now.
  SystemClock system_clock;
  auto issuer = JwtIssuer::create({kSecret, "stagecast", "", 1h}, system_clock);
  ASSERT_TRUE(issuer.ok());
  const std::string ours = issuer->issue("user-7", "FAN").token;
  const std::string script = R"JS(
const crypto = require("crypto");
const [secret, token] = JSON.parse(process.argv[2]);
const [h, p, s] = token.split(".");
const mac = crypto.createHmac("sha256", secret).update(h + "." + p).digest();
const ourOk = crypto.timingSafeEqual(mac, Buffer.from(s, "base64url"));
const ourClaims = JSON.parse(Buffer.from(p, "base64url"));
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
const now = Math.floor(Date.now() / 1000);
const claims = { sub: "node-user", iss: "directfanz", exp: now + 300, iat: now };
const rsa = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
const ec = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
const rsIn = b64({ alg: "RS256" }) + "." + b64(claims);
const esIn = b64({ alg: "ES256" }) + "." + b64(claims);
console.log(JSON.stringify({
  ourOk, ourSub: ourClaims.sub, ourRole: ourClaims.role,
  rsaPem: rsa.publicKey.export({ type: "spki", format: "pem" }),
  ecPem: ec.publicKey.export({ type: "spki", format: "pem" }),
  rs: rsIn + "." + crypto.sign("sha256", Buffer.from(rsIn), rsa.privateKey).toString("base64url"),
  es: esIn + "." + crypto.sign("sha256", Buffer.from(esIn),
                               { key: ec.privateKey, dsaEncoding: "ieee-p1363" }).toString("base64url"),
}));
)JS";
  const auto out = run_node(script, json::array({kSecret, ours}).dump());
  if (!out) GTEST_SKIP() << "node is not installed";
  const json r = json::parse(*out);
  EXPECT_TRUE(r["ourOk"].get<bool>());
  EXPECT_EQ(r["ourSub"], "user-7");
  EXPECT_EQ(r["ourRole"], "FAN");

  JwtVerifierOptions options;
  options.keys = {{JwtAlgorithm::RS256, r["rsaPem"].get<std::string>(), "", "directfanz",
                   TokenSource::Platform},
                  {JwtAlgorithm::ES256, r["ecPem"].get<std::string>(), "", "directfanz",
                   TokenSource::Platform}};
  auto v = JwtVerifier::create(std::move(options), system_clock);
  ASSERT_TRUE(v.ok()) << v.error().message;
  for (const char* name : {"rs", "es"}) {
    auto claims = v->verify(r[name].get<std::string>());
    ASSERT_TRUE(claims.ok()) << name << ": " << claims.error().message;
    EXPECT_EQ(claims->subject, "node-user");
  }
}

}  // namespace
}  // namespace stagecast::platform
