// Stripe webhooks, artist onboarding and the sandbox's payment confirmation
// (docs/payments.md).

#include "api/payment_routes.h"

#include <spdlog/spdlog.h>

#include "api/json_body.h"
#include "payments/payment_errors.h"

namespace stagecast::api {

namespace {

nlohmann::json outcome_json(const platform::WebhookOutcome& o) {
  return {{"received", true},
          {"eventId", o.event_id},
          {"type", o.type},
          {"duplicate", o.duplicate},
          {"effect", o.effect},
          {"tipId", o.tip_id ? nlohmann::json(*o.tip_id) : nlohmann::json(nullptr)},
          {"ticketId", o.ticket_id ? nlohmann::json(*o.ticket_id) : nlohmann::json(nullptr)}};
}

// An empty body or {} (the onboarding takes no parameters).
Result<void> no_parameters(const net::Request& req) {
  if (req.body.empty()) return {};
  auto body = JsonBody::parse(req, {});
  if (!body) return body.error();
  return {};
}

}  // namespace

net::Response payment_error_response(const Error& error) {
  namespace pe = payments::errc;
  const std::string& c = error.code;
  if (c == pe::kSignatureMissing || c == pe::kSignatureMalformed || c == pe::kSignatureMismatch ||
      c == pe::kSignatureExpired || c == pe::kEventMalformed) {
    return net::Response::error(400, c, error.message);
  }
  if (c == pe::kDeclined) return net::Response::error(402, c, error.message);
  if (c == pe::kIdempotencyConflict) return net::Response::error(409, c, error.message);
  if (c == pe::kProviderRejected || c == pe::kProviderError) {
    return net::Response::error(502, c, error.message);
  }
  if (c == pe::kProviderUnavailable) return net::Response::error(503, c, error.message);
  if (c == pe::kProviderMisconfigured) {
    spdlog::error("payments: {}", error.message);
    return net::Response::error(500, "internal_error", "internal server error");
  }
  return error_response(error);
}

void add_payment_routes(net::Router& router, PaymentRoutesContext& ctx) {
  // The signature covers the exact bytes received: the body is handed on untouched, never
  // parsed and re-serialised first.
  router.add("POST", "/api/webhooks/stripe", [&ctx](const net::Request& req) {
    auto outcome = ctx.tips.handle_webhook(req.body, req.header("stripe-signature"));
    if (!outcome) return payment_error_response(outcome.error());
    return net::Response::json(200, outcome_json(*outcome).dump());
  });

  router.add("POST", "/api/artists/me/stripe/onboarding", [&ctx](const net::Request& req) {
    auto caller = required_caller(ctx.api, req);
    if (!caller) return error_response(caller.error());
    if (auto r = no_parameters(req); !r) return error_response(r.error());
    auto link = ctx.onboarding.start(*caller, ctx.onboarding_return_url,
                                     ctx.onboarding_refresh_url);
    if (!link) return payment_error_response(link.error());
    // The sandbox plays the artist filling in Stripe's form and Stripe's account.updated at
    // once, through the same verified webhook path (docs/payments.md, Payout verification).
    const bool simulated = ctx.tips.provider_name() == "sandbox";
    std::string status = "PENDING";
    if (simulated) {
      auto done = ctx.tips.complete_sandbox_onboarding(link->account_id);
      if (!done) return payment_error_response(done.error());
    }
    if (auto me = ctx.api.platform.accounts().get_user(caller->user_id); me) {
      status = payouts_json(*me)["status"].get<std::string>();
    }
    nlohmann::json j = {{"accountId", link->account_id}, {"url", link->url},
                        {"expiresAt", link->expires_at}, {"accountCreated", link->account_created},
                        {"simulated", simulated},        {"payoutsStatus", status}};
    return net::Response::json(200, j.dump()).header("cache-control", "no-store");
  });

  router.add("POST", "/api/sandbox/payments/{id}/confirm", [&ctx](const net::Request& req) {
    auto caller = required_caller(ctx.api, req);
    if (!caller) return error_response(caller.error());
    bool succeed = true;
    if (!req.body.empty()) {
      auto body = JsonBody::parse(req, {"outcome"});
      if (!body) return error_response(body.error());
      auto outcome = body->string("outcome");
      if (!outcome) return error_response(outcome.error());
      if (*outcome) {
        if (**outcome != "succeeded" && **outcome != "failed") {
          return error_response(
              make_error("validation_failed", "'outcome' must be 'succeeded' or 'failed'"));
        }
        succeed = **outcome == "succeeded";
      }
    }
    // A ticket's payment or else a tip's (each answers not_found for the other's).
    auto result = ctx.tickets.confirm_sandbox_payment(*caller, req.param("id"), succeed);
    if (!result && result.error().code == "not_found") {
      result = ctx.tips.confirm_sandbox_payment(*caller, req.param("id"), succeed);
    }
    if (!result) return payment_error_response(result.error());
    return net::Response::json(200, outcome_json(*result).dump());
  });
}

}  // namespace stagecast::api
