#pragma once
// Sends push messages to push services (RFC 8030 5) over HTTP with libcurl. One client per
// delivery worker: it keeps its connections (one per push service origin), so ten thousand
// pushes to one service reuse a handful of TLS connections. Blocking: call it from the push
// outbox's worker threads, never an I/O thread. No redirects are followed, no proxy is used.
//
// The endpoint's host name is resolved here, on the calling worker thread (libcurl), and every
// address a connection is about to be opened to is checked first (address_policy.h): a host
// that resolves to a loopback, private, link-local, ULA or multicast address is refused before
// any packet goes there, and the socket is opened to exactly the address checked (no second
// lookup a DNS rebinding could answer differently).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace stagecast::notify {

struct WebPushClientOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{10000};
  std::string ca_file;  // PEM; empty: the system's trust store
  // Loopback addresses are let through (notify.push_allow_http_loopback: the tests' push service
  // on 127.0.0.1); private and the other internal ranges never are.
  bool allow_loopback = false;
};

struct PushRequest {
  std::string endpoint;
  std::string authorization;  // "vapid t=..., k=..."
  int ttl_seconds = 0;
  std::string urgency;        // very-low | low | normal | high (RFC 8030 5.3)
  std::string topic;          // empty: none (RFC 8030 5.4: up to 32 base64url characters)
  std::vector<uint8_t> body;  // aes128gcm (web_push_encryption.h)
};

struct PushResponse {
  long status = 0;
  // Retry-After of a 429 or 503 (RFC 9110 10.2.3), in seconds from now.
  std::optional<int64_t> retry_after;
};

// Retry-After: delay-seconds or an IMF-fixdate; nullopt for anything else. `now_unix` turns a
// date into a delay (never negative).
std::optional<int64_t> parse_retry_after(std::string_view value, int64_t now_unix);

// Error code of send(): no answer (connection refused, reset, timeout, TLS failure).
inline constexpr const char* kPushUnreachable = "push_unreachable";
// Error code of send(): the endpoint's host resolved to an address the server must not reach.
inline constexpr const char* kPushAddressRefused = "push_address_refused";

class WebPushClient {
 public:
  explicit WebPushClient(WebPushClientOptions options);
  ~WebPushClient();
  WebPushClient(const WebPushClient&) = delete;
  WebPushClient& operator=(const WebPushClient&) = delete;

  // The push service's answer, whatever its status. Errors: push_unreachable,
  // push_address_refused.
  Result<PushResponse> send(const PushRequest& request, int64_t now_unix);

 private:
  WebPushClientOptions options_;
  void* curl_;  // CURL*, reused for its connection cache
};

}  // namespace stagecast::notify
