#include "platform/unsubscribe_token.h"

#include "core/digest.h"
#include "platform/base64url.h"

namespace stagecast::platform {
namespace {

constexpr size_t kMaxUserIdBytes = 200;

Sha256Digest mac_of(const std::string& key, std::string_view user_id) {
  std::string input = "stagecast-unsubscribe-v1\n";
  input += user_id;
  return hmac_sha256(key, input);
}

}  // namespace

UnsubscribeTokens::UnsubscribeTokens(std::string_view secret) {
  const Sha256Digest k = hmac_sha256(secret, "stagecast/unsubscribe-key/v1");
  key_.assign(reinterpret_cast<const char*>(k.data()), k.size());
}

std::string UnsubscribeTokens::issue(std::string_view user_id) const {
  const Sha256Digest mac = mac_of(key_, user_id);
  return base64url_encode(user_id) + "." + base64url_encode(std::span<const uint8_t>(mac));
}

Result<std::string> UnsubscribeTokens::verify(std::string_view token) const {
  const auto malformed = [] {
    return make_error("token_malformed", "the unsubscribe link is not complete");
  };
  if (token.size() > 2 * kMaxUserIdBytes) return malformed();
  const size_t dot = token.find('.');
  if (dot == std::string_view::npos || dot == 0) return malformed();
  auto user = base64url_decode(token.substr(0, dot));
  auto mac = base64url_decode(token.substr(dot + 1));
  if (!user || !mac || user->empty() || user->size() > kMaxUserIdBytes || mac->size() != 32) {
    return malformed();
  }
  std::string user_id(user->begin(), user->end());
  const Sha256Digest expected = mac_of(key_, user_id);
  if (!constant_time_equal(std::span<const uint8_t>(expected), *mac)) {
    return make_error("token_signature_invalid", "the unsubscribe link is not valid");
  }
  return user_id;
}

}  // namespace stagecast::platform
