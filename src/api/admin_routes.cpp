// The server-to-server admin API: the hosting platform syncs users, roles, Stripe account ids
// and subscriptions (DESIGN.md, Identity and access). Authenticated by the X-Api-Key header.

#include <openssl/crypto.h>

#include "api/api_context.h"
#include "api/json_body.h"

namespace stagecast::api {

namespace {

// Constant-time: the comparison must not reveal how much of a guessed key was right.
bool api_key_ok(const ApiContext& ctx, const net::Request& req) {
  const std::string_view given = req.header("x-api-key");
  const std::string& expected = ctx.admin_api_key;
  return !expected.empty() && given.size() == expected.size() &&
         CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

}  // namespace

std::optional<net::Response> admin_gate(const ApiContext& ctx, const net::Request& req) {
  if (ctx.admin_api_key.empty()) {
    return net::Response::error(404, "not_found", "the admin API is not enabled");
  }
  if (!api_key_ok(ctx, req)) {
    return net::Response::error(401, "unauthorized", "a valid X-Api-Key header is required");
  }
  return std::nullopt;
}

void add_admin_routes(net::Router& router, ApiContext& ctx) {
  router.add("PUT", "/api/admin/users/{id}", [&ctx](const net::Request& req) {
    if (auto denied = admin_gate(ctx, req)) return *denied;
    auto body = JsonBody::parse(req, {"role", "stripeAccountId", "displayName", "email"});
    if (!body) return error_response(body.error());
    platform::AdminUserUpsert u;
    u.id = req.param("id");
    auto role = body->required_string("role");
    if (!role) return error_response(role.error());
    u.role = *role;
    if (body->has("stripeAccountId")) {
      if (body->is_null("stripeAccountId")) {
        u.stripe_account_id = std::optional<std::string>{};
      } else {
        auto acct = body->string("stripeAccountId");
        if (!acct) return error_response(acct.error());
        u.stripe_account_id = *acct;
      }
    }
    auto name = body->string("displayName");
    if (!name) return error_response(name.error());
    u.display_name = *name;
    auto email = body->string("email");
    if (!email) return error_response(email.error());
    u.email = *email;
    auto user = ctx.platform.accounts().admin_upsert_user(u);
    if (!user) return error_response(user.error());
    return net::Response::json(200, user_json(*user).dump());
  });

  router.add("PUT", "/api/admin/subscriptions", [&ctx](const net::Request& req) {
    if (auto denied = admin_gate(ctx, req)) return *denied;
    auto body = JsonBody::parse(req, {"fanId", "artistId", "tier", "status", "expiresAt"});
    if (!body) return error_response(body.error());
    platform::AdminSubscriptionUpsert s;
    auto fan = body->required_string("fanId");
    if (!fan) return error_response(fan.error());
    auto artist = body->required_string("artistId");
    if (!artist) return error_response(artist.error());
    auto status = body->required_string("status");
    if (!status) return error_response(status.error());
    auto tier = body->integer("tier");
    if (!tier) return error_response(tier.error());
    Result<std::optional<int64_t>> expires = std::optional<int64_t>{};
    if (!body->is_null("expiresAt")) expires = body->integer("expiresAt");
    if (!expires) return error_response(expires.error());
    s.fan_id = *fan;
    s.artist_id = *artist;
    s.status = *status;
    if (*tier) {
      if (**tier < 1 || **tier > 100) {
        return net::Response::error(422, "validation_failed", "'tier' must be 1..100");
      }
      s.tier = static_cast<int>(**tier);
    }
    s.expires_at = *expires;
    auto sub = ctx.platform.accounts().admin_upsert_subscription(s);
    if (!sub) return error_response(sub.error());
    nlohmann::json j = {{"fanId", sub->fan_id},
                        {"artistId", sub->artist_id},
                        {"tier", sub->tier},
                        {"status", store::to_string(sub->status)},
                        {"expiresAt", sub->expires_at ? nlohmann::json(*sub->expires_at)
                                                      : nlohmann::json(nullptr)}};
    return net::Response::json(200, j.dump());
  });
}

}  // namespace stagecast::api
