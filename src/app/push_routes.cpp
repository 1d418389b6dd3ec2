#include "app/push_routes.h"

#include "api/json_body.h"
#include "notify/push_subscription.h"

namespace stagecast::app {
namespace {

net::Response no_store(net::Response r) {
  r.header("cache-control", "no-store");
  return r;
}

}  // namespace

void add_push_routes(net::Router& router, api::ApiContext& ctx, NotifyWiring& notify,
                     const Config& config) {
  if (!notify.push_subscriptions) return;
  const std::string key_json = nlohmann::json{{"publicKey", notify.vapid_public_key}}.dump();
  router.add(
      "GET", "/api/push/vapid-public-key",
      [key_json](const net::Request&) { return net::Response::json(200, key_json); },
      net::Dispatch::Inline);

  const bool allow_http = config.notify_push_allow_http_loopback;
  platform::PushSubscriptionService& subs = *notify.push_subscriptions;
  router.add("POST", "/api/push/subscriptions", [&ctx, &subs, allow_http](const net::Request& req) {
    auto caller = api::required_caller(ctx, req);
    if (!caller) return api::error_response(caller.error());
    // Strict JSON first (duplicate keys, depth), then the subscription's own rules.
    auto body = api::JsonBody::parse(req, {"endpoint", "expirationTime", "keys"});
    if (!body) return api::error_response(body.error());
    auto in = notify::parse_push_subscription(req.body, allow_http);
    if (!in) return api::error_response(in.error());
    auto s = subs.subscribe(*caller, {in->endpoint, in->p256dh, in->auth});
    if (!s) return api::error_response(s.error());
    return no_store(net::Response::json(
        201, nlohmann::json{{"id", s->id}, {"endpoint", s->endpoint}, {"createdAt", s->created_at}}
                 .dump()));
  });

  router.add("DELETE", "/api/push/subscriptions", [&ctx, &subs](const net::Request& req) {
    auto caller = api::required_caller(ctx, req);
    if (!caller) return api::error_response(caller.error());
    auto body = api::JsonBody::parse(req, {"endpoint"});
    if (!body) return api::error_response(body.error());
    auto endpoint = body->required_string("endpoint");
    if (!endpoint) return api::error_response(endpoint.error());
    auto r = subs.unsubscribe(*caller, *endpoint);
    if (!r) return api::error_response(r.error());
    net::Response ok;
    ok.status = 204;
    return ok;
  });
}

}  // namespace stagecast::app
