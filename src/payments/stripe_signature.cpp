#include "payments/stripe_signature.h"

#include <openssl/crypto.h>

#include "core/digest.h"
#include "payments/payment_errors.h"

namespace stagecast::payments {

namespace {

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool decode_signature(std::string_view hex, Signature& out) {
  if (hex.size() != out.size() * 2) return false;
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>((hi << 4) | lo);
  }
  return true;
}

Signature signature_of(std::string_view secret, int64_t timestamp, std::string_view payload) {
  std::string signed_payload = std::to_string(timestamp);
  signed_payload += '.';
  signed_payload.append(payload);
  return hmac_sha256(secret, signed_payload);
}

Error malformed(std::string message) {
  return make_error(errc::kSignatureMalformed, std::move(message));
}

}  // namespace

Result<SignatureHeader> parse_signature_header(std::string_view header) {
  if (header.size() > kMaxSignatureHeaderBytes) return malformed("Stripe-Signature is too long");
  SignatureHeader out;
  bool have_timestamp = false;
  size_t items = 0;
  size_t pos = 0;
  while (pos <= header.size()) {
    size_t comma = header.find(',', pos);
    if (comma == std::string_view::npos) comma = header.size();
    const std::string_view item = trim_spaces(header.substr(pos, comma - pos));
    pos = comma + 1;
    if (item.empty()) continue;
    if (++items > kMaxSignatureHeaderItems) return malformed("Stripe-Signature has too many items");
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) return malformed("Stripe-Signature item without '='");
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = item.substr(eq + 1);
    if (key == "t") {
      if (have_timestamp) return malformed("Stripe-Signature has two timestamps");
      if (value.empty() || value.size() > 12) return malformed("Stripe-Signature timestamp");
      int64_t t = 0;
      for (char c : value) {
        if (c < '0' || c > '9') return malformed("Stripe-Signature timestamp");
        t = t * 10 + (c - '0');
      }
      out.timestamp = t;
      have_timestamp = true;
    } else if (key == "v1") {
      Signature s{};
      if (decode_signature(value, s)) out.v1.push_back(s);
    }
  }
  if (!have_timestamp) return malformed("Stripe-Signature has no timestamp");
  return out;
}

std::string compute_signature_hex(std::string_view secret, int64_t timestamp,
                                  std::string_view payload) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const Signature s = signature_of(secret, timestamp, payload);
  std::string hex;
  hex.reserve(s.size() * 2);
  for (uint8_t b : s) {
    hex += kDigits[b >> 4];
    hex += kDigits[b & 0x0F];
  }
  return hex;
}

std::string signature_header(std::string_view secret, int64_t timestamp, std::string_view payload) {
  return "t=" + std::to_string(timestamp) + ",v1=" +
         compute_signature_hex(secret, timestamp, payload);
}

WebhookVerifier::WebhookVerifier(std::string secret, const Clock& clock,
                                 std::chrono::seconds tolerance)
    : secret_(std::move(secret)), clock_(&clock), tolerance_(tolerance) {}

Result<int64_t> WebhookVerifier::verify(std::string_view payload, std::string_view header) const {
  if (trim_spaces(header).empty()) {
    return make_error(errc::kSignatureMissing, "the Stripe-Signature header is required");
  }
  auto parsed = parse_signature_header(header);
  if (!parsed) return parsed.error();
  if (parsed->v1.empty()) {
    return make_error(errc::kSignatureMismatch, "no v1 signature in Stripe-Signature");
  }
  if (secret_.empty()) {
    return make_error(errc::kSignatureMismatch, "no webhook secret is configured");
  }
  const Signature expected = signature_of(secret_, parsed->timestamp, payload);
  int matches = 0;
  for (const Signature& candidate : parsed->v1) {
    matches |= CRYPTO_memcmp(expected.data(), candidate.data(), expected.size()) == 0 ? 1 : 0;
  }
  if (!matches) {
    return make_error(errc::kSignatureMismatch, "no signature matches the payload");
  }
  const int64_t now = clock_->unix_seconds();
  const int64_t age = now - parsed->timestamp;
  if (age > tolerance_.count() || -age > tolerance_.count()) {
    return make_error(errc::kSignatureExpired, "the signature timestamp is outside the tolerance");
  }
  return parsed->timestamp;
}

}  // namespace stagecast::payments
