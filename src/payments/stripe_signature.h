#pragma once
// Stripe webhook signatures (Stripe docs, "Check the webhook signatures" / "Verify manually"):
//
//   Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>[,v1=<hex>...][,v0=...]
//
// The signed payload is "<t>.<raw request body>" (the exact bytes received, before any JSON
// parsing), the key is the endpoint's signing secret (whsec_...), the scheme is v1; other schemes
// are ignored. A header may carry several v1 signatures (while a secret is rolled): the event is
// genuine when any of them matches. Every candidate is compared in constant time, and all of
// them are compared, so the time taken says nothing about which one matched or how closely.
// The timestamp must be within the tolerance (300 s, Stripe's default) of our clock, in either
// direction: an old header cannot be replayed, and one from the future is as suspicious.

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace stagecast::payments {

using Signature = std::array<uint8_t, 32>;

struct SignatureHeader {
  int64_t timestamp = 0;
  std::vector<Signature> v1;  // well-formed v1 entries (64 hex characters), in header order
};

inline constexpr size_t kMaxSignatureHeaderBytes = 4096;
inline constexpr size_t kMaxSignatureHeaderItems = 32;

// Errors: signature_malformed (too long, too many items, an item without '=', no timestamp, two
// timestamps, a timestamp that is not 1..12 digits). v1 values that are not 64 hex characters
// are skipped (they cannot match). Never throws.
Result<SignatureHeader> parse_signature_header(std::string_view header);

// HMAC-SHA256(secret, "<timestamp>.<payload>") in lowercase hex.
std::string compute_signature_hex(std::string_view secret, int64_t timestamp,
                                  std::string_view payload);
// "t=<timestamp>,v1=<signature>": what Stripe sends; used by the sandbox provider and tests.
std::string signature_header(std::string_view secret, int64_t timestamp, std::string_view payload);

class WebhookVerifier {
 public:
  static constexpr std::chrono::seconds kDefaultTolerance{300};

  // The clock is borrowed and must outlive the verifier. An empty secret verifies nothing.
  WebhookVerifier(std::string secret, const Clock& clock,
                  std::chrono::seconds tolerance = kDefaultTolerance);

  // The signed timestamp when `header` vouches for exactly these `payload` bytes. Errors:
  // signature_missing (empty header), signature_malformed, signature_mismatch (no v1, or none
  // matches), signature_expired (timestamp outside the tolerance; checked after the signature,
  // so a forger learns nothing from it).
  Result<int64_t> verify(std::string_view payload, std::string_view header) const;

 private:
  std::string secret_;
  const Clock* clock_;
  std::chrono::seconds tolerance_;
};

}  // namespace stagecast::payments
