#pragma once
// The Web Push API (docs/notifications.md, docs/openapi.yaml):
//
//   GET    /api/push/vapid-public-key   {"publicKey": base64url}: the browser's
//   applicationServerKey POST   /api/push/subscriptions      the caller's PushSubscription.toJSON()
//   -> 201 DELETE /api/push/subscriptions      {"endpoint": ...} of the caller -> 204
//
// Added only while push is on. The subscription is checked by notify/push_subscription.h
// (https endpoint, a P-256 point, a 16-byte auth secret): anything else is 422 with the field.

#include "api/api_context.h"
#include "app/config.h"
#include "app/notify_wiring.h"
#include "net/router.h"

namespace stagecast::app {

void add_push_routes(net::Router& router, api::ApiContext& ctx, NotifyWiring& notify,
                     const Config& config);

}  // namespace stagecast::app
