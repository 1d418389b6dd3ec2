#pragma once
// Tips and payments wired from configuration (docs/payments.md): the provider ([payments]
// provider = sandbox | stripe), the webhook verifier, TipService, ArtistOnboarding and their
// routes. The realtime gateway (or anything else) hears confirmed tips through
// `tips->add_listener` (platform/tip_events.h), added while wiring, before serving.

#include <memory>
#include <string>

#include "api/api_context.h"
#include "api/payment_routes.h"
#include "app/config.h"
#include "core/clock.h"
#include "net/router.h"
#include "payments/payment_provider.h"
#include "payments/stripe_signature.h"
#include "platform/artist_onboarding.h"
#include "platform/payout_verification.h"
#include "platform/platform_services.h"
#include "platform/ticket_service.h"
#include "platform/tip_service.h"
#include "store/store.h"

namespace stagecast::app {

struct PaymentsWiring {
  std::unique_ptr<payments::PaymentProvider> provider;
  std::unique_ptr<payments::WebhookVerifier> verifier;
  std::unique_ptr<platform::TipService> tips;
  // Tickets ride on the tips' webhook pipeline (a PaymentEventHandler of `tips`). Their
  // listeners (playback revocations, the realtime gateway) are added while wiring.
  std::unique_ptr<platform::TicketService> tickets;
  std::unique_ptr<platform::ArtistOnboarding> onboarding;
  // account.updated decides whether an onboarded artist is verified (same pipeline).
  std::unique_ptr<platform::PayoutVerification> payouts;
  std::unique_ptr<api::PaymentRoutesContext> routes;
};

// Builds the payments side and applies webhook events recorded but never applied (a crash).
// Throws std::runtime_error (a start-up error) for a configuration that must not run: the
// sandbox provider in production, Stripe without its secret key or webhook secret, or a
// non-https Stripe URL in production.
std::unique_ptr<PaymentsWiring> wire_payments(const Config& config,
                                              platform::PlatformServices& platform,
                                              store::Store& store, const Clock& clock);

// The tip, webhook, onboarding and sandbox routes; `api` must outlive the router.
void add_payment_routes(PaymentsWiring& payments, net::Router& router, api::ApiContext& api,
                        const Config& config);

}  // namespace stagecast::app
