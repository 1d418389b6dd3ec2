#pragma once
// platform::PushTransport over Web Push: the payload encrypted for the subscription (RFC 8291,
// notify/web_push_encryption.h), signed for with the server's VAPID key (RFC 8292,
// notify/vapid.h) and POSTed to the endpoint (RFC 8030 5) with TTL, Urgency: high and Topic;
// the push service's answer mapped to delivered, gone (404, 410), retry (429, 5xx, no answer,
// with its Retry-After) or rejected. One per push worker (it keeps its connections).

#include <memory>
#include <string>

#include "core/clock.h"
#include "notify/p256.h"
#include "notify/vapid.h"
#include "notify/web_push_client.h"
#include "platform/push_transport.h"

namespace stagecast::app {

class WebPushTransport final : public platform::PushTransport {
 public:
  WebPushTransport(std::shared_ptr<const notify::P256Key> vapid_key, std::string subject,
                   notify::WebPushClientOptions client, int ttl_seconds, const Clock& clock)
      : signer_(std::move(vapid_key), std::move(subject)),
        client_(std::move(client)),
        ttl_seconds_(ttl_seconds),
        clock_(clock) {}

  platform::PushOutcome send(const platform::OutgoingPush& push) override;

 private:
  notify::VapidSigner signer_;
  notify::WebPushClient client_;
  int ttl_seconds_;
  const Clock& clock_;
};

}  // namespace stagecast::app
