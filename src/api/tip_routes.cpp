// POST /api/livestream/{id}/tips (DESIGN.md, API contract; docs/payments.md).

#include "api/json_body.h"
#include "api/payment_routes.h"

namespace stagecast::api {

namespace {

// Strict: amountCents must be a JSON integer (10.5, "1000", 1e3 are refused with 422);
// currency and message are strings or null.
Result<platform::TipInput> tip_input(const net::Request& req) {
  auto body = JsonBody::parse(req, {"amountCents", "currency", "message"});
  if (!body) return body.error();
  platform::TipInput in;
  auto amount = body->integer("amountCents");
  if (!amount) return amount.error();
  if (!*amount) return make_error("validation_failed", "'amountCents' is required");
  in.amount_cents = **amount;
  if (!body->is_null("currency")) {
    auto currency = body->string("currency");
    if (!currency) return currency.error();
    in.currency = *currency;
  }
  if (!body->is_null("message")) {
    auto message = body->string("message");
    if (!message) return message.error();
    in.message = *message;
  }
  const std::string_view key = req.header("idempotency-key");
  if (!key.empty()) in.client_key = std::string(key);
  return in;
}

}  // namespace

void add_tip_routes(net::Router& router, PaymentRoutesContext& ctx) {
  router.add("POST", "/api/livestream/{id}/tips", [&ctx](const net::Request& req) {
    auto caller = required_caller(ctx.api, req);
    if (!caller) return error_response(caller.error());
    auto input = tip_input(req);
    if (!input) return error_response(input.error());
    auto created = ctx.tips.create(*caller, req.param("id"), *input);
    if (!created) return payment_error_response(created.error());
    const store::Tip& t = created->tip;
    nlohmann::json j = {
        {"tipId", t.id},
        {"clientSecret", created->client_secret},
        {"status", store::to_string(t.status)},
        {"amountCents", t.amount_cents},
        {"feeCents", t.fee_cents},
        {"artistCents", t.amount_cents - t.fee_cents},
        {"currency", t.currency},
        {"message", t.message ? nlohmann::json(*t.message) : nlohmann::json(nullptr)},
        {"provider", t.provider},
        {"paymentIntentId", t.provider_payment_id ? nlohmann::json(*t.provider_payment_id)
                                                  : nlohmann::json(nullptr)},
        {"publishableKey", ctx.publishable_key.empty() ? nlohmann::json(nullptr)
                                                       : nlohmann::json(ctx.publishable_key)},
    };
    return net::Response::json(201, j.dump()).header("cache-control", "no-store");
  });
}

}  // namespace stagecast::api
