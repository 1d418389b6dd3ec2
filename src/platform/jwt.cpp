#include "platform/jwt.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/digest.h"
#include "platform/base64url.h"
#include "platform/jws_public_key.h"

namespace stagecast::platform {

using nlohmann::json;

std::string_view to_string(JwtAlgorithm alg) {
  switch (alg) {
    case JwtAlgorithm::HS256:
      return "HS256";
    case JwtAlgorithm::RS256:
      return "RS256";
    case JwtAlgorithm::ES256:
      return "ES256";
  }
  return "?";
}

namespace {

constexpr size_t kMinHmacSecretBytes = 32;

std::optional<JwtAlgorithm> parse_algorithm(std::string_view name) {
  // Case-sensitive on purpose (RFC 7515 §4.1.1): "none", "None", "hs256" all fall through.
  if (name == "HS256") return JwtAlgorithm::HS256;
  if (name == "RS256") return JwtAlgorithm::RS256;
  if (name == "ES256") return JwtAlgorithm::ES256;
  return std::nullopt;
}

std::string_view as_chars(const std::vector<uint8_t>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::optional<json> decode_json_object(std::string_view segment) {
  auto bytes = base64url_decode(segment);
  if (!bytes) return std::nullopt;
  json value = json::parse(as_chars(*bytes), nullptr, /*allow_exceptions=*/false);
  if (!value.is_object()) return std::nullopt;  // also covers a parse error (discarded value)
  return value;
}

// RFC 7519 §2 NumericDate: seconds since the epoch, possibly fractional. Dates outside
// 0..9999-12-31 are refused, which also keeps `date + leeway` far from int64 overflow.
std::optional<int64_t> numeric_date(const json& value) {
  constexpr int64_t kMaxDate = 253402300799;  // 9999-12-31T23:59:59Z
  if (value.is_number_unsigned()) {
    const auto v = value.get<uint64_t>();
    if (v > static_cast<uint64_t>(kMaxDate)) return std::nullopt;
    return static_cast<int64_t>(v);
  }
  if (value.is_number_integer()) {
    const auto v = value.get<int64_t>();
    if (v < 0 || v > kMaxDate) return std::nullopt;
    return v;
  }
  if (value.is_number_float()) {
    const double d = value.get<double>();
    if (!std::isfinite(d) || d < 0 || d > static_cast<double>(kMaxDate)) return std::nullopt;
    return static_cast<int64_t>(std::floor(d));
  }
  return std::nullopt;
}

Error token_error(std::string code, std::string message) {
  return make_error(std::move(code), std::move(message));
}

}  // namespace

// ---- JwtIssuer -----------------------------------------------------------------------------

Result<JwtIssuer> JwtIssuer::create(JwtIssuerOptions options, const Clock& clock) {
  if (options.secret.size() < kMinHmacSecretBytes) {
    return make_error("invalid_config", "JWT secret must be at least 32 bytes");
  }
  if (options.lifetime <= std::chrono::seconds(0)) {
    return make_error("invalid_config", "JWT lifetime must be positive");
  }
  return JwtIssuer(std::move(options), clock);
}

IssuedToken JwtIssuer::issue(std::string_view user_id, std::string_view role) const {
  const int64_t now = clock_->unix_seconds();
  const int64_t exp = now + options_.lifetime.count();
  const json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  json claims = {
      {"sub", user_id}, {"role", role}, {"iss", options_.issuer}, {"iat", now}, {"exp", exp}};
  if (!options_.audience.empty()) claims["aud"] = options_.audience;
  std::string signing_input =
      base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
  const Sha256Digest mac = hmac_sha256(options_.secret, signing_input);
  signing_input += ".";
  signing_input += base64url_encode(mac);
  return IssuedToken{std::move(signing_input), exp};
}

// ---- JwtVerifier ---------------------------------------------------------------------------

struct JwtVerifier::LoadedKey {
  JwtKey config;
  std::optional<JwsPublicKey> public_key;  // RS256 / ES256 only
};

JwtVerifier::JwtVerifier(JwtVerifierOptions options, std::vector<LoadedKey> keys,
                         const Clock& clock)
    : options_(std::move(options)), keys_(std::move(keys)), clock_(&clock) {}
JwtVerifier::JwtVerifier(JwtVerifier&&) noexcept = default;
JwtVerifier& JwtVerifier::operator=(JwtVerifier&&) noexcept = default;
JwtVerifier::~JwtVerifier() = default;

Result<JwtVerifier> JwtVerifier::create(JwtVerifierOptions options, const Clock& clock) {
  if (options.keys.empty()) return make_error("invalid_config", "no JWT verification key");
  if (options.leeway < std::chrono::seconds(0) || options.leeway > std::chrono::minutes(5)) {
    return make_error("invalid_config", "JWT leeway must be 0..300 seconds");
  }
  std::vector<LoadedKey> loaded;
  for (const JwtKey& key : options.keys) {
    LoadedKey entry{key, std::nullopt};
    if (key.algorithm == JwtAlgorithm::HS256) {
      if (key.material.size() < kMinHmacSecretBytes) {
        return make_error("invalid_config", "HS256 secret must be at least 32 bytes");
      }
    } else {
      auto pk = JwsPublicKey::from_pem(key.material, key.algorithm == JwtAlgorithm::RS256
                                                         ? JwsKeyType::Rsa
                                                         : JwsKeyType::EcP256);
      if (!pk) return pk.error();
      entry.public_key.emplace(std::move(pk).value());
    }
    loaded.push_back(std::move(entry));
  }
  options.keys.clear();  // the material now lives in `loaded` only
  return JwtVerifier(std::move(options), std::move(loaded), clock);
}

Result<Claims> JwtVerifier::verify(std::string_view token) const {
  if (token.size() > options_.max_token_bytes) {
    return token_error("token_too_large", "token is larger than allowed");
  }
  // RFC 7515 §7.1: BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(signature).
  const size_t dot1 = token.find('.');
  const size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return token_error("token_malformed", "token is not a JWS compact serialisation");
  }
  const std::string_view header_b64 = token.substr(0, dot1);
  const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_b64 = token.substr(dot2 + 1);
  const std::string_view signing_input = token.substr(0, dot2);

  const auto header = decode_json_object(header_b64);
  if (!header) return token_error("token_malformed", "token header is not a JSON object");
  const auto alg_it = header->find("alg");
  if (alg_it == header->end() || !alg_it->is_string()) {
    return token_error("token_malformed", "token header has no alg");
  }
  const auto alg = parse_algorithm(alg_it->get_ref<const std::string&>());
  if (!alg) return token_error("token_algorithm_rejected", "token algorithm is not accepted");
  // RFC 7515 §4.1.11: extensions listed in crit must be understood; we implement none.
  if (header->contains("crit")) {
    return token_error("token_malformed", "token uses critical header extensions");
  }
  std::string kid;
  if (const auto it = header->find("kid"); it != header->end()) {
    if (!it->is_string()) return token_error("token_malformed", "token kid is not a string");
    kid = it->get<std::string>();
  }

  const auto signature = base64url_decode(signature_b64);
  if (!signature || signature->empty()) {
    return token_error("token_malformed", "token signature is not base64url");
  }

  // The payload is parsed before the signature is checked only to learn its iss, which picks
  // among keys bound to different issuers (the same HS256 secret may serve us and the platform);
  // nothing in it is trusted until a key has verified the signature.
  const auto payload = decode_json_object(payload_b64);
  if (!payload) return token_error("token_malformed", "token claims are not a JSON object");
  std::optional<std::string> iss;
  if (const auto it = payload->find("iss"); it != payload->end()) {
    if (!it->is_string()) return token_error("token_claims_invalid", "token iss is not a string");
    iss = it->get<std::string>();
  }

  const LoadedKey* verified_by = nullptr;
  bool any_key_for_alg = false;
  bool issuer_mismatch = false;
  for (const LoadedKey& key : keys_) {
    if (key.config.algorithm != *alg) continue;
    if (!kid.empty() && !key.config.key_id.empty() && key.config.key_id != kid) continue;
    any_key_for_alg = true;
    bool good = false;
    switch (*alg) {
      case JwtAlgorithm::HS256: {
        const Sha256Digest mac = hmac_sha256(key.config.material, signing_input);
        good = constant_time_equal(mac, *signature);
        break;
      }
      case JwtAlgorithm::RS256:
        good = key.public_key->verify_rs256(signing_input, *signature);
        break;
      case JwtAlgorithm::ES256:
        good = key.public_key->verify_es256(signing_input, *signature);
        break;
    }
    if (!good) continue;
    if (!key.config.issuer.empty() && iss.value_or("") != key.config.issuer) {
      issuer_mismatch = true;  // signed by a key that does not vouch for this issuer
      continue;
    }
    verified_by = &key;
    break;
  }
  if (!any_key_for_alg) {
    return token_error("token_algorithm_rejected", "no key is configured for this algorithm");
  }
  if (verified_by == nullptr) {
    if (issuer_mismatch) {
      return token_error("token_issuer_rejected", "token issuer is not accepted");
    }
    return token_error("token_signature_invalid", "token signature does not verify");
  }

  Claims claims;
  claims.algorithm = *alg;
  claims.source = verified_by->config.source;

  const auto sub = payload->find("sub");
  if (sub != payload->end() && sub->is_string()) {
    claims.subject = sub->get<std::string>();
  } else if (sub != payload->end() && sub->is_number_integer()) {
    claims.subject = sub->dump();  // platforms with numeric user ids
  }
  if (claims.subject.empty() || claims.subject.size() > 128) {
    return token_error("token_claims_invalid", "token has no usable sub");
  }

  const auto exp_it = payload->find("exp");
  const auto exp = exp_it == payload->end() ? std::nullopt : numeric_date(*exp_it);
  if (!exp) return token_error("token_claims_invalid", "token has no valid exp");
  claims.expires_at = *exp;
  if (const auto it = payload->find("nbf"); it != payload->end()) {
    const auto nbf = numeric_date(*it);
    if (!nbf) return token_error("token_claims_invalid", "token nbf is not a NumericDate");
    claims.not_before = *nbf;
  }
  if (const auto it = payload->find("iat"); it != payload->end()) {
    const auto iat = numeric_date(*it);
    if (!iat) return token_error("token_claims_invalid", "token iat is not a NumericDate");
    claims.issued_at = *iat;
  }

  const int64_t now = clock_->unix_seconds();
  const int64_t leeway = options_.leeway.count();
  // RFC 7519 §4.1.4: the token must not be accepted on or after exp.
  if (now >= claims.expires_at + leeway) return token_error("token_expired", "token has expired");
  if (claims.not_before != 0 && now + leeway < claims.not_before) {
    return token_error("token_not_yet_valid", "token is not valid yet");
  }

  claims.issuer = iss.value_or("");

  if (const auto it = payload->find("aud"); it != payload->end()) {
    if (it->is_string()) {
      claims.audience.push_back(it->get<std::string>());
    } else if (it->is_array()) {
      for (const json& a : *it) {
        if (!a.is_string()) return token_error("token_claims_invalid", "token aud is malformed");
        claims.audience.push_back(a.get<std::string>());
      }
    } else {
      return token_error("token_claims_invalid", "token aud is malformed");
    }
  }
  if (!options_.audience.empty() && std::find(claims.audience.begin(), claims.audience.end(),
                                              options_.audience) == claims.audience.end()) {
    return token_error("token_audience_rejected", "token audience is not accepted");
  }

  auto optional_string = [&](const char* name) -> std::string {
    const auto it = payload->find(name);
    return (it != payload->end() && it->is_string()) ? it->get<std::string>() : std::string();
  };
  claims.role = optional_string("role");
  claims.name = optional_string("name");
  claims.email = optional_string("email");
  return claims;
}

}  // namespace stagecast::platform
