// POST /api/auth/register, POST /api/auth/login, GET /api/me (DESIGN.md, API contract).

#include "api/api_context.h"
#include "api/json_body.h"

namespace stagecast::api {

namespace {

net::Response session_response(int status, const platform::Session& session) {
  nlohmann::json j = {{"user", user_json(session.user)},
                      {"token", session.token.token},
                      {"expiresAt", session.token.expires_at}};
  return net::Response::json(status, j.dump());
}

}  // namespace

void add_auth_routes(net::Router& router, ApiContext& ctx) {
  router.add("POST", "/api/auth/register", [&ctx](const net::Request& req) {
    auto body = JsonBody::parse(req, {"email", "password", "displayName", "role"});
    if (!body) return error_response(body.error());
    platform::RegisterRequest r;
    for (auto [field, out] : {std::pair{"email", &r.email}, std::pair{"password", &r.password},
                              std::pair{"displayName", &r.display_name},
                              std::pair{"role", &r.role}}) {
      auto v = body->required_string(field);
      if (!v) return error_response(v.error());
      *out = std::move(*v);
    }
    auto session = ctx.platform.accounts().register_account(r);
    if (!session) return error_response(session.error());
    return session_response(201, *session);
  });

  router.add("POST", "/api/auth/login", [&ctx](const net::Request& req) {
    auto body = JsonBody::parse(req, {"email", "password"});
    if (!body) return error_response(body.error());
    auto email = body->required_string("email");
    if (!email) return error_response(email.error());
    auto password = body->required_string("password");
    if (!password) return error_response(password.error());
    auto session = ctx.platform.accounts().login(*email, *password);
    if (!session) return error_response(session.error());
    return session_response(200, *session);
  });

  router.add("GET", "/api/me", [&ctx](const net::Request& req) {
    auto caller = required_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    return net::Response::json(200, user_json(*caller).dump());
  });
}

}  // namespace stagecast::api
