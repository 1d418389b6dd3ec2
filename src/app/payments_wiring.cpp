#include "app/payments_wiring.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "core/random.h"
#include "payments/sandbox_provider.h"
#include "payments/stripe_client.h"

namespace stagecast::app {

std::unique_ptr<PaymentsWiring> wire_payments(const Config& c,
                                              platform::PlatformServices& platform,
                                              store::Store& store, const Clock& clock) {
  auto w = std::make_unique<PaymentsWiring>();
  payments::SandboxProvider* sandbox = nullptr;
  std::string webhook_secret = c.payments_stripe_webhook_secret;

  if (c.payments_provider == "sandbox") {
    if (c.production) {
      throw std::runtime_error(
          "payments.provider = sandbox is refused in production (server.production = true): "
          "configure payments.provider = stripe");
    }
    // Nothing outside this process sends sandbox events, so a secret of the moment will do.
    if (webhook_secret.empty()) webhook_secret = "whsec_sandbox_" + random_token(32);
    auto provider = std::make_unique<payments::SandboxProvider>(webhook_secret, clock);
    sandbox = provider.get();
    w->provider = std::move(provider);
    spdlog::warn("payments: SANDBOX provider: tips are simulated, no money moves");
  } else {
    if (c.payments_stripe_webhook_secret.empty()) {
      throw std::runtime_error("payments.stripe_webhook_secret is required with Stripe");
    }
    if (c.production && !c.payments_stripe_api_base_url.starts_with("https://")) {
      throw std::runtime_error("payments.stripe_api_base_url must be https in production");
    }
    payments::StripeClientOptions options;
    options.api_base_url = c.payments_stripe_api_base_url;
    options.secret_key = c.payments_stripe_secret_key;
    options.api_version = c.payments_stripe_api_version;
    options.request_timeout = std::chrono::milliseconds(c.payments_stripe_timeout_ms);
    auto client = payments::StripeClient::create(std::move(options));
    if (!client) throw std::runtime_error("payments: " + client.error().message);
    w->provider = std::move(client).value();
    spdlog::info("payments: Stripe at {}", c.payments_stripe_api_base_url);
  }

  w->verifier = std::make_unique<payments::WebhookVerifier>(webhook_secret, clock);
  platform::TipSettings settings;
  settings.fee_basis_points = c.payments_fee_basis_points;
  settings.min_cents = c.payments_min_tip_cents;
  settings.max_cents = c.payments_max_tip_cents;
  settings.currency = c.payments_currency;
  // A tip's message is shown in chat: the chat's length limit and blocked words apply.
  settings.max_message_chars = static_cast<size_t>(c.chat_max_message_chars);
  settings.blocked_words = c.chat_blocked_words;
  w->tips = std::make_unique<platform::TipService>(store, platform.streams(), *w->provider,
                                                   *w->verifier, clock, settings, sandbox);
  w->onboarding = std::make_unique<platform::ArtistOnboarding>(store, *w->provider, clock);

  platform::TicketSettings ts;
  ts.fee_basis_points = c.payments_fee_basis_points;
  ts.min_cents = c.payments_min_ticket_cents;
  ts.max_cents = c.payments_max_ticket_cents;
  ts.currency = c.payments_currency;
  w->tickets = std::make_unique<platform::TicketService>(store, platform.streams(), *w->provider,
                                                         *w->tips, clock, ts, sandbox);
  w->tips->add_event_handler(*w->tickets);
  w->payouts = std::make_unique<platform::PayoutVerification>(store, clock, sandbox != nullptr);
  w->tips->add_event_handler(*w->payouts);
  // A PAID stream must be sellable: its price within these limits, in this currency.
  platform.streams().set_ticket_terms({ts.min_cents, ts.max_cents, ts.currency});

  auto recovered = w->tips->recover();
  if (!recovered) {
    spdlog::warn("payments: unapplied webhook events not recovered: {}", recovered.error().message);
  } else if (*recovered > 0) {
    spdlog::info("payments: applied {} webhook events recorded before a restart", *recovered);
  }
  return w;
}

void add_payment_routes(PaymentsWiring& w, net::Router& router, api::ApiContext& api,
                        const Config& c) {
  const std::string& base = api.http_base_url;
  w.routes = std::make_unique<api::PaymentRoutesContext>(api::PaymentRoutesContext{
      api, *w.tips, *w.tickets, *w.onboarding,
      c.payments_onboarding_return_url.empty() ? base + "/studio?stripe=return"
                                               : c.payments_onboarding_return_url,
      c.payments_onboarding_refresh_url.empty() ? base + "/studio?stripe=refresh"
                                                : c.payments_onboarding_refresh_url,
      w.provider->is_sandbox() ? std::string() : c.payments_stripe_publishable_key});
  api::add_tip_routes(router, *w.routes);
  api::add_ticket_routes(router, *w.routes);
  api::add_payment_routes(router, *w.routes);
}

}  // namespace stagecast::app
