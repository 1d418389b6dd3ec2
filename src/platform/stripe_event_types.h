#pragma once
// The Stripe event types the money services act on (tips and tickets alike); every other type is
// recorded and ignored (docs/payments.md).

#include <string_view>

namespace stagecast::platform::stripe_events {

inline constexpr std::string_view kSucceeded = "payment_intent.succeeded";
inline constexpr std::string_view kFailed = "payment_intent.payment_failed";
inline constexpr std::string_view kRefunded = "charge.refunded";
inline constexpr std::string_view kDisputeCreated = "charge.dispute.created";
inline constexpr std::string_view kDisputeClosed = "charge.dispute.closed";
// Connect: an artist's account changed (onboarding finished, capabilities taken away).
inline constexpr std::string_view kAccountUpdated = "account.updated";

}  // namespace stagecast::platform::stripe_events
