#pragma once
// Tips and payments over HTTP (DESIGN.md, API contract; docs/payments.md):
//   POST /api/livestream/{id}/tips               a fan tips: {tipId, clientSecret, status, ...}
//   POST /api/webhooks/stripe                    Stripe's events (signed; raw body)
//   POST /api/artists/me/stripe/onboarding       an artist's Connect onboarding link
//   POST /api/sandbox/payments/{id}/confirm      sandbox only: confirm (or fail) a payment
//   POST /api/livestream/{id}/tickets            a fan buys a ticket: {ticketId, clientSecret, ...}
//   GET  /api/livestream/{id}/tickets/me         the caller's ticket
//   POST /api/livestream/{id}/tickets/comps      the owner gives a ticket away {fanId}
//   DELETE /api/livestream/{id}/tickets/comps/{fanId}   and takes it back
//   PUT  /api/admin/tickets                      platform sync {streamId, fanId, status}

#include <string>

#include "api/api_context.h"
#include "net/http_message.h"
#include "net/router.h"
#include "platform/artist_onboarding.h"
#include "platform/ticket_service.h"
#include "platform/tip_service.h"

namespace stagecast::api {

struct PaymentRoutesContext {
  ApiContext& api;
  platform::TipService& tips;
  platform::TicketService& tickets;
  platform::ArtistOnboarding& onboarding;
  std::string onboarding_return_url;
  std::string onboarding_refresh_url;
  std::string publishable_key;  // for Stripe.js in the browser; empty with the sandbox
};

void add_tip_routes(net::Router& router, PaymentRoutesContext& ctx);
void add_payment_routes(net::Router& router, PaymentRoutesContext& ctx);
void add_ticket_routes(net::Router& router, PaymentRoutesContext& ctx);

// error_response() plus the payment codes (payments/payment_errors.h): signature and event
// errors 400, declined 402, idempotency conflict 409, provider rejected/unreadable 502,
// provider unavailable 503, provider misconfigured 500.
net::Response payment_error_response(const Error& error);

}  // namespace stagecast::api
