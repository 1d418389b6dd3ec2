#pragma once
// How the push outbox hands a message to a push service (docs/notifications.md). The platform
// says what to push; app/ wires the Web Push implementation (RFC 8291 encryption, RFC 8292
// VAPID, RFC 8030 delivery: notify/), tests a recording fake. Called on one push worker's
// thread (one transport per worker); may block.

#include <chrono>
#include <optional>
#include <string>

namespace stagecast::platform {

struct OutgoingPush {
  std::string endpoint;
  std::string p256dh;   // base64url, as the browser gave it
  std::string auth;     // base64url
  std::string payload;  // JSON text the service worker reads (title, body, url, tag)
  std::string topic;    // RFC 8030 5.4: a newer message with the same topic replaces a queued one
};

struct PushOutcome {
  enum class Kind {
    kDelivered,  // 201: the push service took it
    kGone,       // 404 / 410: the subscription is no more; remove it
    kRetry,      // 429, 5xx, no answer: try again (after retry_after when given)
    kRejected,   // any other answer (400, 401, 403, 413): never
  };
  Kind kind = Kind::kDelivered;
  std::string error;
  std::optional<std::chrono::milliseconds> retry_after;
};

class PushTransport {
 public:
  virtual ~PushTransport() = default;
  virtual PushOutcome send(const OutgoingPush& push) = 0;
};

}  // namespace stagecast::platform
