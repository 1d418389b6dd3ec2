#pragma once
// The Error::code values of the payments layer. The API maps them to statuses
// (api/payment_routes.cpp); a provider's own wording stays in the message, never a secret.
//
//   payment_provider_unavailable  503  network error, timeout, 429 or 5xx from the provider:
//                                      retry later (the same idempotency key is safe to reuse)
//   payment_provider_rejected     502  the provider refused the request (invalid parameters,
//                                      unknown destination account, ...)
//   payment_provider_misconfigured 500 the provider refused our credentials (401/403)
//   payment_declined              402  a card error
//   payment_idempotency_conflict  409  an idempotency key reused with other parameters
//   payment_provider_error        502  an answer we could not read
//   signature_missing             400  webhook without a Stripe-Signature header
//   signature_malformed           400  header without a timestamp, or unreadable
//   signature_mismatch            400  no v1 signature matches the body
//   signature_expired             400  timestamp outside the tolerance
//   event_malformed               400  a verified body that is not an event

namespace stagecast::payments::errc {

inline constexpr const char* kProviderUnavailable = "payment_provider_unavailable";
inline constexpr const char* kProviderRejected = "payment_provider_rejected";
inline constexpr const char* kProviderMisconfigured = "payment_provider_misconfigured";
inline constexpr const char* kDeclined = "payment_declined";
inline constexpr const char* kIdempotencyConflict = "payment_idempotency_conflict";
inline constexpr const char* kProviderError = "payment_provider_error";
inline constexpr const char* kSignatureMissing = "signature_missing";
inline constexpr const char* kSignatureMalformed = "signature_malformed";
inline constexpr const char* kSignatureMismatch = "signature_mismatch";
inline constexpr const char* kSignatureExpired = "signature_expired";
inline constexpr const char* kEventMalformed = "event_malformed";

}  // namespace stagecast::payments::errc
