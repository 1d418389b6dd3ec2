#include "notify/push_subscription.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "core/base64url.h"
#include "notify/address_policy.h"
#include "notify/p256.h"
#include "notify/web_push_encryption.h"

namespace stagecast::notify {
namespace {

Error invalid(std::string message) {
  return Error{"validation_failed", std::move(message)};
}

bool loopback_host(std::string_view host) {
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]";
}

}  // namespace

Result<void> check_push_endpoint(std::string_view endpoint, bool allow_http_loopback) {
  if (endpoint.empty()) return invalid("endpoint is required");
  if (endpoint.size() > kMaxPushEndpointBytes) return invalid("endpoint is longer than 2048 bytes");
  for (unsigned char c : endpoint) {
    if (c <= 0x20 || c >= 0x7f) return invalid("endpoint holds a space or a control character");
  }
  const bool https = endpoint.starts_with("https://");
  const bool http = endpoint.starts_with("http://");
  if (!https && !http) return invalid("endpoint must be an https URL");
  const std::string_view rest = endpoint.substr(https ? 8 : 7);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    return invalid("endpoint must not carry credentials");
  }
  std::string host(authority);
  if (!host.empty() && host.front() == '[') {
    host = host.substr(0, host.find(']') == std::string::npos ? host.size() : host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (host.empty() || host == "[]") return invalid("endpoint has no host");
  const std::string_view port =
      std::string_view(authority).substr(std::min(authority.size(), host.size()));
  if (!port.empty()) {
    if (port.size() < 2 || port.size() > 6 || port[0] != ':' ||
        !std::all_of(port.begin() + 1, port.end(),
                     [](unsigned char c) { return std::isdigit(c); })) {
      return invalid("endpoint has a malformed port");
    }
  }
  if (http) {
    if (allow_http_loopback && loopback_host(host)) return {};
    return invalid("endpoint must be an https URL");
  }
  // Address literals are judged here; host names when the push worker resolves them
  // (address_policy.h), since what a name resolves to can change.
  const auto literal = classify_literal(host);
  const bool local_name = host == "localhost" || host.ends_with(".localhost") ||
                          host == "localhost." || host.ends_with(".localhost.");
  if (local_name || (literal && *literal != AddressClass::kPublic)) {
    if (!(allow_http_loopback && loopback_host(host))) {
      return invalid("endpoint must not point at a loopback or private address");
    }
  }
  return {};
}

Result<PushSubscriptionInput> parse_push_subscription(std::string_view json_text,
                                                      bool allow_http_loopback) {
  const nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return invalid("body must be a JSON object");
  for (const auto& [k, v] : j.items()) {
    if (k != "endpoint" && k != "expirationTime" && k != "keys") {
      return invalid("unknown field: " + k);
    }
  }
  PushSubscriptionInput out;
  const auto ep = j.find("endpoint");
  if (ep == j.end() || !ep->is_string()) return invalid("endpoint must be a string");
  out.endpoint = ep->get<std::string>();
  if (auto r = check_push_endpoint(out.endpoint, allow_http_loopback); !r) return r.error();
  if (const auto exp = j.find("expirationTime"); exp != j.end() && !exp->is_null()) {
    if (!exp->is_number_integer() && !exp->is_number_unsigned()) {
      return invalid("expirationTime must be null or an integer (ms)");
    }
    const int64_t v = exp->get<int64_t>();
    if (v < 0) return invalid("expirationTime must not be negative");
    out.expiration_time = v;
  }
  const auto keys = j.find("keys");
  if (keys == j.end() || !keys->is_object()) return invalid("keys must be an object");
  for (const auto& [k, v] : keys->items()) {
    if (k != "p256dh" && k != "auth") return invalid("unknown field: keys." + k);
  }
  const auto p = keys->find("p256dh");
  const auto a = keys->find("auth");
  if (p == keys->end() || !p->is_string()) return invalid("keys.p256dh must be a string");
  if (a == keys->end() || !a->is_string()) return invalid("keys.auth must be a string");
  out.p256dh = p->get<std::string>();
  out.auth = a->get<std::string>();
  const auto p256dh = base64url_decode(out.p256dh);
  if (!p256dh || !is_p256_public_key(*p256dh)) {
    return invalid("keys.p256dh must be an uncompressed P-256 point (65 bytes, base64url)");
  }
  const auto auth = base64url_decode(out.auth);
  if (!auth || auth->size() != kPushAuthSecretBytes) {
    return invalid("keys.auth must be 16 bytes (base64url)");
  }
  return out;
}

}  // namespace stagecast::notify
