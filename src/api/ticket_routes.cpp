// Tickets to PAID streams (docs/payments.md, Tickets): buying, the caller's own ticket, the
// owner's comps and the platform's grants.

#include "api/json_body.h"
#include "api/payment_routes.h"

namespace stagecast::api {

namespace {

nlohmann::json optional_text(const std::optional<std::string>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json ticket_json(const store::StreamTicket& t) {
  return {
      {"ticketId", t.id},
      {"streamId", t.stream_id},
      {"fanId", t.fan_id},
      {"status", store::to_string(t.status)},
      {"source", store::to_string(t.source)},
      {"admits", t.admits()},
      {"amountCents", t.amount_cents},
      {"feeCents", t.fee_cents},
      {"artistCents", t.amount_cents - t.fee_cents},
      {"currency", t.currency},
      {"provider", optional_text(t.provider)},
      {"paymentIntentId", optional_text(t.provider_payment_id)},
      {"createdAt", t.created_at},
      {"updatedAt", t.updated_at},
  };
}

// Strict, all optional: what the buyer was shown (amountCents a JSON integer, currency a string).
Result<platform::TicketPurchaseInput> purchase_input(const net::Request& req) {
  platform::TicketPurchaseInput in;
  if (req.body.empty()) return in;
  auto body = JsonBody::parse(req, {"amountCents", "currency"});
  if (!body) return body.error();
  if (!body->is_null("amountCents")) {
    auto amount = body->integer("amountCents");
    if (!amount) return amount.error();
    in.amount_cents = *amount;
  }
  if (!body->is_null("currency")) {
    auto currency = body->string("currency");
    if (!currency) return currency.error();
    in.currency = *currency;
  }
  return in;
}

Result<std::string> fan_id_of(const net::Request& req) {
  auto body = JsonBody::parse(req, {"fanId"});
  if (!body) return body.error();
  return body->required_string("fanId");
}

net::Response ticket_response(int status, const store::StreamTicket& t) {
  return net::Response::json(status, ticket_json(t).dump()).header("cache-control", "no-store");
}

}  // namespace

void add_ticket_routes(net::Router& router, PaymentRoutesContext& ctx) {
  router.add("POST", "/api/livestream/{id}/tickets", [&ctx](const net::Request& req) {
    auto caller = required_caller(ctx.api, req);
    if (!caller) return error_response(caller.error());
    auto input = purchase_input(req);
    if (!input) return error_response(input.error());
    auto bought = ctx.tickets.purchase(*caller, req.param("id"), *input);
    if (!bought) return payment_error_response(bought.error());
    nlohmann::json j = ticket_json(bought->ticket);
    const bool to_pay = !bought->client_secret.empty();
    j["clientSecret"] = to_pay ? nlohmann::json(bought->client_secret) : nlohmann::json(nullptr);
    j["publishableKey"] = to_pay && !ctx.publishable_key.empty()
                              ? nlohmann::json(ctx.publishable_key)
                              : nlohmann::json(nullptr);
    // 201: a payment to confirm; 200: the ticket already admits, nothing to pay.
    return net::Response::json(to_pay ? 201 : 200, j.dump()).header("cache-control", "no-store");
  });

  router.add("GET", "/api/livestream/{id}/tickets/me", [&ctx](const net::Request& req) {
    auto caller = required_caller(ctx.api, req);
    if (!caller) return error_response(caller.error());
    auto ticket = ctx.tickets.mine(*caller, req.param("id"));
    if (!ticket) return error_response(ticket.error());
    return ticket_response(200, *ticket);
  });

  router.add("POST", "/api/livestream/{id}/tickets/comps", [&ctx](const net::Request& req) {
    auto caller = required_caller(ctx.api, req);
    if (!caller) return error_response(caller.error());
    auto fan = fan_id_of(req);
    if (!fan) return error_response(fan.error());
    auto ticket = ctx.tickets.comp(*caller, req.param("id"), *fan);
    if (!ticket) return error_response(ticket.error());
    return ticket_response(200, *ticket);
  });

  router.add("DELETE", "/api/livestream/{id}/tickets/comps/{fanId}",
             [&ctx](const net::Request& req) {
               auto caller = required_caller(ctx.api, req);
               if (!caller) return error_response(caller.error());
               auto ticket = ctx.tickets.uncomp(*caller, req.param("id"), req.param("fanId"));
               if (!ticket) return error_response(ticket.error());
               return ticket_response(200, *ticket);
             });

  router.add("PUT", "/api/admin/tickets", [&ctx](const net::Request& req) {
    if (auto denied = admin_gate(ctx.api, req)) return *denied;
    auto body = JsonBody::parse(req, {"streamId", "fanId", "status"});
    if (!body) return error_response(body.error());
    auto stream = body->required_string("streamId");
    if (!stream) return error_response(stream.error());
    auto fan = body->required_string("fanId");
    if (!fan) return error_response(fan.error());
    auto status = body->required_string("status");
    if (!status) return error_response(status.error());
    Result<store::StreamTicket> ticket = make_error("validation_failed", "");
    if (*status == "PAID") {
      ticket = ctx.tickets.grant(*stream, *fan);
    } else if (*status == "REVOKED") {
      ticket = ctx.tickets.revoke_grant(*stream, *fan);
    } else {
      return error_response(make_error("validation_failed", "'status' must be PAID or REVOKED"));
    }
    if (!ticket) return error_response(ticket.error());
    return ticket_response(200, *ticket);
  });
}

}  // namespace stagecast::api
