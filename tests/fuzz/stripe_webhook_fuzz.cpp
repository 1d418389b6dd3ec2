// libFuzzer target: the webhook path's parsers over untrusted network input. The first line of
// the input is the Stripe-Signature header, the rest the body: parse_signature_header,
// WebhookVerifier::verify and parse_webhook_event must never crash, hang or leak.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/clock.h"
#include "payments/stripe_event.h"
#include "payments/stripe_signature.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stagecast::payments;
  static const stagecast::ManualClock clock(1'700'000'000'000);
  // The secret of the seeds (tests/data/fuzz/stripe_webhook/), so seeds pass verification.
  static const WebhookVerifier verifier("whsec_test_secret", clock);

  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const std::string_view header = input.substr(0, newline);
  const std::string_view payload =
      newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);

  auto parsed = parse_signature_header(header);
  if (parsed && parsed->v1.size() > kMaxSignatureHeaderItems) __builtin_trap();
  auto verified = verifier.verify(payload, header);
  if (verified && *verified != parsed->timestamp) __builtin_trap();
  auto event = parse_webhook_event(payload);
  if (event && (event->id.empty() || event->type.empty())) __builtin_trap();
  return 0;
}
