#include "payments/stripe_client.h"

#include <curl/curl.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <thread>

#include "core/random.h"
#include "payments/payment_errors.h"

namespace stagecast::payments {

namespace {

constexpr size_t kMaxResponseBytes = 1024 * 1024;
constexpr size_t kMaxIdempotencyKeyBytes = 255;  // Stripe's limit
constexpr size_t kMaxPooledHandles = 8;

struct Collected {
  std::string body;
  bool truncated = false;
  std::string request_id;
  std::string should_retry;  // "true" | "false" | ""
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* c = static_cast<Collected*>(user);
  const size_t n = size * count;
  if (c->body.size() + n > kMaxResponseBytes) {
    c->truncated = true;
    return 0;  // aborts the transfer: an answer this large is not Stripe's
  }
  c->body.append(data, n);
  return n;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* c = static_cast<Collected*>(user);
  const size_t n = size * count;
  const std::string_view line(data, n);
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    const std::string name = lower(trim(line.substr(0, colon)));
    const std::string_view value = trim(line.substr(colon + 1));
    if (name == "request-id") c->request_id = std::string(value.substr(0, 128));
    if (name == "stripe-should-retry") c->should_retry = lower(value);
  }
  return n;
}

// Stripe's {"error":{"type","code","message"}} as our Error.
Error map_error(long status, const std::string& body, const std::string& request_id) {
  std::string type;
  std::string code;
  std::string message;
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) {
    auto e = j.find("error");
    if (e != j.end() && e->is_object()) {
      if (auto t = e->find("type"); t != e->end() && t->is_string()) type = t->get<std::string>();
      if (auto c = e->find("code"); c != e->end() && c->is_string()) code = c->get<std::string>();
      if (auto m = e->find("message"); m != e->end() && m->is_string()) {
        message = m->get<std::string>().substr(0, 500);
      }
    }
  }
  if (message.empty()) message = "HTTP " + std::to_string(status);
  spdlog::warn("stripe: HTTP {} {} {} (request {})", status, type, code,
               request_id.empty() ? "-" : request_id);
  if (status == 401 || status == 403) {
    return make_error(errc::kProviderMisconfigured, "the payment provider refused our credentials");
  }
  if (status == 402 || type == "card_error") return make_error(errc::kDeclined, message);
  if (type == "idempotency_error") return make_error(errc::kIdempotencyConflict, message);
  if (status == 429 || status >= 500) {
    return make_error(errc::kProviderUnavailable, "the payment provider is unavailable: " + message);
  }
  return make_error(errc::kProviderRejected, message);
}

bool retryable(long status) { return status == 0 || status == 429 || status >= 500; }

Result<nlohmann::json> parse_object(const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return make_error(errc::kProviderError, "unreadable answer from Stripe");
  return j;
}

std::optional<std::string> string_field(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

struct StripeClient::Attempt {
  CURLcode curl = CURLE_OK;
  long status = 0;
  Collected collected;
};

void StripeClient::HandleDeleter::operator()(void* handle) const {
  curl_easy_cleanup(static_cast<CURL*>(handle));
}

Result<std::unique_ptr<StripeClient>> StripeClient::create(StripeClientOptions options) {
  if (options.secret_key.empty()) {
    return make_error("invalid_config", "payments.stripe_secret_key is required for Stripe");
  }
  while (!options.api_base_url.empty() && options.api_base_url.back() == '/') {
    options.api_base_url.pop_back();
  }
  if (!options.api_base_url.starts_with("https://") && !options.api_base_url.starts_with("http://")) {
    return make_error("invalid_config", "payments.stripe_api_base_url must be an http(s) URL");
  }
  if (options.connect_timeout.count() <= 0 || options.request_timeout.count() <= 0 ||
      options.max_retries < 0 || options.max_retries > 5) {
    return make_error("invalid_config", "Stripe timeouts must be positive and retries 0..5");
  }
  // Thread-safe and reference-counted since libcurl 7.84; paired with the cleanup in the
  // destructor.
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    return make_error("invalid_config", "libcurl could not be initialised");
  }
  return std::unique_ptr<StripeClient>(new StripeClient(std::move(options)));
}

StripeClient::StripeClient(StripeClientOptions options) : options_(std::move(options)) {}

StripeClient::~StripeClient() {
  pool_.clear();
  curl_global_cleanup();
}

StripeClient::Handle StripeClient::acquire() {
  {
    std::lock_guard lock(pool_mutex_);
    if (!pool_.empty()) {
      Handle h = std::move(pool_.back());
      pool_.pop_back();
      return h;
    }
  }
  return Handle(curl_easy_init());
}

void StripeClient::release(Handle handle) {
  std::lock_guard lock(pool_mutex_);
  if (pool_.size() < kMaxPooledHandles) pool_.push_back(std::move(handle));
}

StripeClient::Attempt StripeClient::attempt(void* raw, const std::string& url,
                                            const std::string& body,
                                            const std::string& idempotency_key) {
  CURL* h = static_cast<CURL*>(raw);
  Attempt a;
  curl_easy_reset(h);  // keeps the connection cache
  curl_slist* headers = nullptr;
  const std::string auth = "Authorization: Bearer " + options_.secret_key;
  headers = curl_slist_append(headers, auth.c_str());
  headers = curl_slist_append(headers, "Content-Type: application/x-www-form-urlencoded");
  headers = curl_slist_append(headers, "Accept: application/json");
  const std::string version = "Stripe-Version: " + options_.api_version;
  headers = curl_slist_append(headers, version.c_str());
  const std::string idem = "Idempotency-Key: " + idempotency_key;
  headers = curl_slist_append(headers, idem.c_str());
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip

  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "Stagecast/0.1");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &a.collected);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &a.collected);

  a.curl = curl_easy_perform(h);
  if (a.curl == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a.status);
  // The list holds the key: drop it from the handle before freeing it.
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);
  return a;
}

Result<std::string> StripeClient::post(std::string_view path, const FormFields& fields,
                                       const std::string& idempotency_key) {
  if (idempotency_key.empty() || idempotency_key.size() > kMaxIdempotencyKeyBytes) {
    return make_error(errc::kProviderRejected, "idempotency key must be 1..255 bytes");
  }
  const std::string url = options_.api_base_url + "/v1/" + std::string(path);
  const std::string body = fields.encode();
  Handle handle = acquire();
  if (!handle) return make_error(errc::kProviderUnavailable, "libcurl handle unavailable");

  std::chrono::milliseconds backoff = options_.retry_backoff;
  Attempt a;
  for (int tries = 0;; ++tries) {
    a = attempt(handle.get(), url, body, idempotency_key);
    const bool failed = a.curl != CURLE_OK || retryable(a.status);
    if (!failed || tries >= options_.max_retries || a.collected.should_retry == "false") break;
    if (a.curl != CURLE_OK) {
      spdlog::warn("stripe: POST /v1/{} failed ({}), retrying", path, curl_easy_strerror(a.curl));
    } else {
      spdlog::warn("stripe: POST /v1/{} answered {}, retrying", path, a.status);
    }
    // A worker thread may wait here: the retry needs the same idempotency key, and a caller
    // retrying on its own would wait as long.
    std::this_thread::sleep_for(backoff);
    backoff *= 2;
  }
  release(std::move(handle));

  if (a.curl != CURLE_OK) {
    if (a.collected.truncated) {
      return make_error(errc::kProviderError, "the payment provider's answer is too large");
    }
    spdlog::warn("stripe: POST /v1/{} failed: {}", path, curl_easy_strerror(a.curl));
    return make_error(errc::kProviderUnavailable,
                      std::string("the payment provider is unreachable: ") +
                          curl_easy_strerror(a.curl));
  }
  if (a.status < 200 || a.status > 299) return map_error(a.status, a.collected.body, a.collected.request_id);
  return std::move(a.collected.body);
}

Result<PaymentIntent> StripeClient::create_payment_intent(const PaymentIntentRequest& r) {
  FormFields f;
  f.add("amount", std::to_string(r.amount_cents))
      .add("currency", r.currency)
      .add("application_fee_amount", std::to_string(r.application_fee_cents))
      .add("transfer_data[destination]", r.destination_account)
      .add("automatic_payment_methods[enabled]", "true");
  if (!r.description.empty()) f.add("description", r.description);
  for (const auto& [key, value] : r.metadata) f.add("metadata[" + key + "]", value);
  auto body = post("payment_intents", f, r.idempotency_key);
  if (!body) return body.error();
  auto j = parse_object(*body);
  if (!j) return j.error();
  auto id = string_field(*j, "id");
  auto secret = string_field(*j, "client_secret");
  if (!id || !secret || id->empty() || secret->empty()) {
    return make_error(errc::kProviderError, "PaymentIntent without id or client_secret");
  }
  return PaymentIntent{*id, *secret, string_field(*j, "status").value_or("")};
}

Result<ConnectedAccount> StripeClient::create_connected_account(const ConnectedAccountRequest& r) {
  FormFields f;
  f.add("type", "express");
  if (!r.email.empty()) f.add("email", r.email);
  f.add("capabilities[card_payments][requested]", "true")
      .add("capabilities[transfers][requested]", "true")
      .add("metadata[user_id]", r.user_id);
  auto body = post("accounts", f, r.idempotency_key);
  if (!body) return body.error();
  auto j = parse_object(*body);
  if (!j) return j.error();
  auto id = string_field(*j, "id");
  if (!id || !id->starts_with("acct_")) {
    return make_error(errc::kProviderError, "account without an acct_ id");
  }
  return ConnectedAccount{*id};
}

Result<AccountLink> StripeClient::create_account_link(const AccountLinkRequest& r) {
  FormFields f;
  f.add("account", r.account_id)
      .add("refresh_url", r.refresh_url)
      .add("return_url", r.return_url)
      .add("type", "account_onboarding");
  // Links are single-use and short-lived; a fresh key per call gets a fresh link.
  auto body = post("account_links", f, "stagecast-account-link-" + random_id());
  if (!body) return body.error();
  auto j = parse_object(*body);
  if (!j) return j.error();
  auto url = string_field(*j, "url");
  if (!url || url->empty()) return make_error(errc::kProviderError, "account link without url");
  AccountLink link{*url, 0};
  if (auto e = j->find("expires_at"); e != j->end() && e->is_number_integer()) {
    link.expires_at = e->get<int64_t>();
  }
  return link;
}

}  // namespace stagecast::payments
