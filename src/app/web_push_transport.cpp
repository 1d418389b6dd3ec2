#include "app/web_push_transport.h"

#include <algorithm>
#include <cctype>

#include "core/base64url.h"
#include "notify/web_push_encryption.h"

namespace stagecast::app {
namespace {

using platform::PushOutcome;

PushOutcome outcome(PushOutcome::Kind kind, std::string error) {
  PushOutcome o;
  o.kind = kind;
  o.error = std::move(error);
  return o;
}

// RFC 8030 5.4: at most 32 characters of the URL and filename safe base64 alphabet.
bool valid_topic(const std::string& t) {
  return !t.empty() && t.size() <= 32 && std::all_of(t.begin(), t.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_';
  });
}

}  // namespace

PushOutcome WebPushTransport::send(const platform::OutgoingPush& push) {
  const auto p256dh = base64url_decode(push.p256dh);
  const auto auth = base64url_decode(push.auth);
  if (!p256dh || !auth) return outcome(PushOutcome::Kind::kRejected, "stored keys unreadable");
  auto body = notify::encrypt_push_message(push.payload, *p256dh, *auth);
  if (!body) return outcome(PushOutcome::Kind::kRejected, body.error().message);
  auto audience = notify::url_origin(push.endpoint);
  if (!audience) return outcome(PushOutcome::Kind::kRejected, "endpoint is not an http(s) URL");
  const int64_t now = clock_.unix_millis() / 1000;
  auto authorization = signer_.authorization(*audience, now);
  if (!authorization) return outcome(PushOutcome::Kind::kRetry, authorization.error().message);

  notify::PushRequest req;
  req.endpoint = push.endpoint;
  req.authorization = std::move(*authorization);
  req.ttl_seconds = ttl_seconds_;
  req.urgency = "high";  // a stream starting now: RFC 8030 5.3
  if (valid_topic(push.topic)) req.topic = push.topic;
  req.body = std::move(*body);
  auto r = client_.send(req, now);
  if (!r) {
    // An endpoint that leads into the server's own network is not tried again; the subscription
    // stays (its owner may fix it from the browser) and only this row fails.
    if (r.error().code == notify::kPushAddressRefused) {
      return outcome(PushOutcome::Kind::kRejected, r.error().message);
    }
    return outcome(PushOutcome::Kind::kRetry, r.error().message);
  }
  const long status = r->status;
  const std::string what = "push service answered " + std::to_string(status);
  if (status >= 200 && status < 300) return outcome(PushOutcome::Kind::kDelivered, "");
  if (status == 404 || status == 410) return outcome(PushOutcome::Kind::kGone, what);
  if (status == 429 || status >= 500) {
    PushOutcome o = outcome(PushOutcome::Kind::kRetry, what);
    if (r->retry_after) {
      o.retry_after = std::chrono::milliseconds(std::min<int64_t>(*r->retry_after, 86'400) * 1000);
    }
    return o;
  }
  return outcome(PushOutcome::Kind::kRejected, what);
}

}  // namespace stagecast::app
