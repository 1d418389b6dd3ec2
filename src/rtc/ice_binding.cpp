#include "rtc/ice_binding.h"

#include "core/digest.h"
#include "core/random.h"

namespace stagecast::rtc {

std::string_view local_ufrag_of(const StunMessage& message) {
  auto username = message.username();
  if (!username) return {};
  const size_t colon = username->find(':');
  if (colon == std::string_view::npos || colon == 0) return {};
  return username->substr(0, colon);
}

Bytes build_binding_error(const StunTransactionId& id, int code, std::string_view reason) {
  return StunMessageBuilder(kStunBindingMethod, StunClass::ErrorResponse, id)
      .add_error_code(code, reason)
      .finish({}, true);
}

Bytes build_binding_success(const StunTransactionId& id, const StunAddress& source,
                            std::string_view local_password) {
  return StunMessageBuilder(kStunBindingMethod, StunClass::SuccessResponse, id)
      .add_xor_mapped_address(source)
      .finish(local_password, true);
}

BindingResult answer_binding_request(const StunMessage& request, const IceCredentials& local,
                                     const StunAddress& source) {
  BindingResult out;
  auto reject = [&](int code, std::string reason) {
    out.outcome = BindingOutcome::Rejected;
    out.error_code = code;
    out.reason = std::move(reason);
    const char* phrase = code == 400   ? "Bad Request"
                         : code == 401 ? "Unauthenticated"
                                       : "Role Conflict";
    out.response = build_binding_error(request.transaction_id(), code, phrase);
    return out;
  };
  if (request.method() != kStunBindingMethod || request.message_class() != StunClass::Request) {
    out.reason = "not a binding request";
    return out;
  }
  if (!request.has_fingerprint() || !request.fingerprint_valid()) {
    out.reason = request.has_fingerprint() ? "bad fingerprint" : "no fingerprint";
    return out;
  }
  auto username = request.username();
  if (!username || !request.has_message_integrity()) {
    return reject(400, "no username or message-integrity");
  }
  const std::string_view local_ufrag = local_ufrag_of(request);
  const size_t colon = username->find(':');
  if (local_ufrag.empty() || local_ufrag != local.ufrag || colon + 1 >= username->size()) {
    return reject(401, "unknown username");
  }
  if (!request.message_integrity_valid(local.password)) return reject(401, "bad message-integrity");
  auto priority = request.priority();
  if (!priority) return reject(400, "no priority");
  if (!request.ice_controlling()) return reject(487, "peer is not controlling");

  out.outcome = BindingOutcome::Accepted;
  out.remote_ufrag = std::string(username->substr(colon + 1));
  out.use_candidate = request.use_candidate();
  out.priority = *priority;
  out.response = build_binding_success(request.transaction_id(), source, local.password);
  return out;
}

std::string ice_credentials_etag(const IceCredentials& ice) {
  return "\"" + to_hex(sha256(ice.ufrag + ":" + ice.password)).substr(0, 16) + "\"";
}

IceCredentials fresh_ice_credentials() {
  return IceCredentials{random_id().substr(0, 8), random_id()};
}

}  // namespace stagecast::rtc
