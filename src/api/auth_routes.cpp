// POST /api/auth/register, POST /api/auth/login, GET /api/me (DESIGN.md, API contract).

#include "api/api_context.h"
#include "api/json_body.h"
#include "platform/errors.h"

#include <spdlog/spdlog.h>

namespace stagecast::api {

namespace {

net::Response session_response(int status, const platform::Session& session) {
  nlohmann::json j = {{"user", user_json(session.user)},
                      {"token", session.token.token},
                      {"expiresAt", session.token.expires_at}};
  return net::Response::json(status, j.dump());
}

// 429 with Retry-After (RFC 6585 4) in whole seconds, rounded up.
net::Response too_many_attempts(std::chrono::milliseconds wait) {
  return net::Response::error(429, "too_many_attempts", "too many attempts; try again in a moment")
      .header("retry-after", std::to_string((wait.count() + 999) / 1000));
}

// Runs `work` on the password pool, or answers 503 at once when its queue is full.
void on_password_pool(ApiContext& ctx, const net::Respond& respond, std::function<void()> work) {
  if (ctx.password_pool->post(std::move(work))) return;
  respond(net::Response::error(503, "busy", "too many sign-ins at once; try again in a moment")
              .header("retry-after", std::to_string(1)));
}

}  // namespace

void add_auth_routes(net::Router& router, ApiContext& ctx) {
  // Both run their cheap checks on the I/O thread and hash on the password pool.
  router.add_async(
      "POST", "/api/auth/register", [&ctx](const net::Request& req, net::Respond respond) {
        auto body = JsonBody::parse(req, {"email", "password", "displayName", "role"});
        if (!body) return respond(error_response(body.error()));
        platform::RegisterRequest r;
        for (auto [field, out] :
             {std::pair{"email", &r.email}, std::pair{"password", &r.password},
              std::pair{"displayName", &r.display_name}, std::pair{"role", &r.role}}) {
          auto v = body->required_string(field);
          if (!v) return respond(error_response(v.error()));
          *out = std::move(*v);
        }
        if (auto wait = ctx.login_throttle->admit("", req.remote_address, ctx.clock->unix_millis()))
          return respond(too_many_attempts(*wait));
        // No account enumeration: a new email and one that already has an account get the same
        // answer (202, no session: the client signs in next) after the same work (the password
        // is hashed before the insert finds the conflict). docs/architecture.md, "Departures".
        on_password_pool(ctx, respond, [&ctx, r = std::move(r), respond] {
          auto session = ctx.platform.accounts().register_account(r);
          if (!session && session.error().code != platform::errc::kConflict)
            return respond(error_response(session.error()));
          if (!session) spdlog::info("registration for an email that has an account: ignored");
          respond(net::Response::json(
              202, R"({"status":"accepted","next":"sign in with this email and password"})"));
        });
      });

  router.add_async(
      "POST", "/api/auth/login", [&ctx](const net::Request& req, net::Respond respond) {
        auto body = JsonBody::parse(req, {"email", "password"});
        if (!body) return respond(error_response(body.error()));
        auto email = body->required_string("email");
        if (!email) return respond(error_response(email.error()));
        auto password = body->required_string("password");
        if (!password) return respond(error_response(password.error()));
        if (auto wait =
                ctx.login_throttle->admit(*email, req.remote_address, ctx.clock->unix_millis()))
          return respond(too_many_attempts(*wait));
        on_password_pool(ctx, respond, [&ctx, email = *email, password = *password, respond] {
          auto session = ctx.platform.accounts().login(email, password);
          if (session) {
            ctx.login_throttle->succeeded(email);
            return respond(session_response(200, *session));
          }
          if (session.error().code == platform::errc::kInvalidCredentials)
            ctx.login_throttle->failed(email, ctx.clock->unix_millis());
          respond(error_response(session.error()));
        });
      });

  router.add("GET", "/api/me", [&ctx](const net::Request& req) {
    auto caller = required_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    return net::Response::json(200, user_json(*caller).dump());
  });
}

}  // namespace stagecast::api
