#pragma once
// A browser's PushSubscription as PushSubscription.toJSON() gives it (W3C Push API):
//   {"endpoint": "https://push.example/...", "expirationTime": null | <ms>,
//    "keys": {"p256dh": "<base64url, 65-byte uncompressed P-256 point>",
//             "auth": "<base64url, 16 bytes>"}}
// checked before it is stored: pushes are later sent to the endpoint with the server's VAPID
// key, so it must be an https URL (RFC 8030 8: push services are reached over TLS) and not one
// that points the server at itself or its network by an address literal; http to loopback only
// with the test switch.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace stagecast::notify {

inline constexpr size_t kMaxPushEndpointBytes = 2048;

struct PushSubscriptionInput {
  std::string endpoint;
  std::string p256dh;                      // base64url as received (validated)
  std::string auth;                        // base64url as received (validated)
  std::optional<int64_t> expiration_time;  // ms since the epoch
};

// Errors: validation_failed with a message naming the field.
Result<void> check_push_endpoint(std::string_view endpoint, bool allow_http_loopback);
Result<PushSubscriptionInput> parse_push_subscription(std::string_view json_text,
                                                      bool allow_http_loopback);

}  // namespace stagecast::notify
