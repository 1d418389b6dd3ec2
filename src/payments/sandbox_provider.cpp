#include "payments/sandbox_provider.h"

#include <nlohmann/json.hpp>

#include "core/random.h"
#include "payments/payment_errors.h"
#include "payments/stripe_signature.h"

namespace stagecast::payments {

SandboxProvider::SandboxProvider(std::string webhook_secret, const Clock& clock)
    : webhook_secret_(std::move(webhook_secret)), clock_(&clock) {}

template <typename T>
void SandboxProvider::remember(std::map<std::string, T>& map, const std::string& key, T value) {
  map.emplace(key, std::move(value));
  order_.push_back(key);
  while (order_.size() > kRememberedKeys) {
    intents_.erase(order_.front());
    accounts_.erase(order_.front());
    order_.pop_front();
  }
}

Result<PaymentIntent> SandboxProvider::create_payment_intent(const PaymentIntentRequest& r) {
  if (r.idempotency_key.empty()) {
    return make_error(errc::kProviderRejected, "an idempotency key is required");
  }
  if (r.amount_cents <= 0 || r.application_fee_cents < 0 ||
      r.application_fee_cents > r.amount_cents || r.destination_account.empty()) {
    return make_error(errc::kProviderRejected, "invalid amount, fee or destination");
  }
  std::lock_guard lock(mu_);
  if (auto it = intents_.find(r.idempotency_key); it != intents_.end()) return it->second;
  const std::string id = "pi_sandbox_" + random_id().substr(0, 24);
  PaymentIntent pi{id, id + "_secret_sandbox_" + random_id().substr(0, 16),
                   "requires_payment_method"};
  remember(intents_, r.idempotency_key, pi);
  return pi;
}

Result<ConnectedAccount> SandboxProvider::create_connected_account(
    const ConnectedAccountRequest& r) {
  if (r.idempotency_key.empty()) {
    return make_error(errc::kProviderRejected, "an idempotency key is required");
  }
  std::lock_guard lock(mu_);
  if (auto it = accounts_.find(r.idempotency_key); it != accounts_.end()) return it->second;
  ConnectedAccount account{"acct_sandbox" + random_id().substr(0, 16)};
  remember(accounts_, r.idempotency_key, account);
  return account;
}

Result<AccountLink> SandboxProvider::create_account_link(const AccountLinkRequest& r) {
  if (r.account_id.empty() || r.return_url.empty()) {
    return make_error(errc::kProviderRejected, "account and return_url are required");
  }
  // Nothing to fill in: onboarding is complete the moment the artist follows the link.
  return AccountLink{r.return_url, clock_->unix_seconds() + 300};
}

SignedEvent SandboxProvider::payment_intent_event(std::string_view type,
                                                  const SandboxIntent& intent) const {
  const bool succeeded = type == "payment_intent.succeeded";
  nlohmann::json metadata = nlohmann::json::object();
  for (const auto& [key, value] : intent.metadata) metadata[key] = value;
  const int64_t now = clock_->unix_seconds();
  nlohmann::json object = {
      {"id", intent.id},
      {"object", "payment_intent"},
      {"amount", intent.amount_cents},
      {"amount_received", succeeded ? intent.amount_cents : 0},
      {"currency", intent.currency},
      {"application_fee_amount", intent.application_fee_cents},
      {"transfer_data", {{"destination", intent.destination_account}}},
      {"metadata", std::move(metadata)},
      {"livemode", false},
      {"status", succeeded ? "succeeded" : "requires_payment_method"},
  };
  if (!succeeded) {
    object["last_payment_error"] = {{"type", "card_error"},
                                    {"code", "card_declined"},
                                    {"message", "Your card was declined. (sandbox)"}};
  }
  nlohmann::json event = {
      {"id", "evt_sandbox_" + random_id().substr(0, 24)},
      {"object", "event"},
      {"api_version", "2024-06-20"},
      {"created", now},
      {"livemode", false},
      {"pending_webhooks", 1},
      {"type", std::string(type)},
      {"data", {{"object", std::move(object)}}},
  };
  SignedEvent out;
  out.payload = event.dump();
  out.signature_header = signature_header(webhook_secret_, now, out.payload);
  return out;
}

SignedEvent SandboxProvider::account_updated_event(const std::string& account_id,
                                                   bool enabled) const {
  const int64_t now = clock_->unix_seconds();
  nlohmann::json requirements = {
      {"disabled_reason", enabled ? nlohmann::json(nullptr) : nlohmann::json("other")}};
  nlohmann::json object = {
      {"id", account_id},
      {"object", "account"},
      {"type", "express"},
      {"charges_enabled", enabled},
      {"payouts_enabled", enabled},
      {"details_submitted", true},
      {"requirements", std::move(requirements)},
      {"metadata", {{"sandbox", "true"}}},
  };
  nlohmann::json event = {
      {"id", "evt_sandbox_" + random_id().substr(0, 24)},
      {"object", "event"},
      {"api_version", "2024-06-20"},
      {"account", account_id},
      {"created", now},
      {"livemode", false},
      {"pending_webhooks", 1},
      {"type", "account.updated"},
      {"data", {{"object", std::move(object)}}},
  };
  SignedEvent out;
  out.payload = event.dump();
  out.signature_header = signature_header(webhook_secret_, now, out.payload);
  return out;
}

}  // namespace stagecast::payments
