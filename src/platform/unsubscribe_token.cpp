#include "platform/unsubscribe_token.h"

#include "core/digest.h"
#include "platform/base64url.h"

namespace stagecast::platform {
namespace {

constexpr size_t kMaxIdBytes = 200;

Sha256Digest mac_all(const std::string& key, std::string_view user_id) {
  std::string input = "stagecast-unsubscribe-v1\n";
  input += user_id;
  return hmac_sha256(key, input);
}

Sha256Digest mac_artist(const std::string& key, std::string_view user_id,
                        std::string_view artist_id) {
  std::string input = "stagecast-unsubscribe-v2\n";
  input += std::to_string(user_id.size());
  input += ':';
  input += user_id;
  input += artist_id;
  return hmac_sha256(key, input);
}

std::string b64(const Sha256Digest& mac) {
  return base64url_encode(std::span<const uint8_t>(mac));
}

}  // namespace

UnsubscribeTokens::UnsubscribeTokens(std::string_view secret) {
  const Sha256Digest k = hmac_sha256(secret, "stagecast/unsubscribe-key/v1");
  key_.assign(reinterpret_cast<const char*>(k.data()), k.size());
}

std::string UnsubscribeTokens::issue(std::string_view user_id, std::string_view artist_id) const {
  return base64url_encode(user_id) + "." + base64url_encode(artist_id) + "." +
         b64(mac_artist(key_, user_id, artist_id));
}

std::string UnsubscribeTokens::issue_all(std::string_view user_id) const {
  return base64url_encode(user_id) + "." + b64(mac_all(key_, user_id));
}

Result<UnsubscribeScope> UnsubscribeTokens::verify(std::string_view token) const {
  const auto malformed = [] {
    return make_error("token_malformed", "the unsubscribe link is not complete");
  };
  if (token.size() > 4 * kMaxIdBytes) return malformed();
  const size_t dot = token.find('.');
  if (dot == std::string_view::npos || dot == 0) return malformed();
  const size_t second = token.find('.', dot + 1);
  const bool per_artist = second != std::string_view::npos;
  if (per_artist && token.find('.', second + 1) != std::string_view::npos) return malformed();
  auto user = base64url_decode(token.substr(0, dot));
  std::optional<std::vector<uint8_t>> artist;
  if (per_artist) {
    if (second == dot + 1) return malformed();
    artist = base64url_decode(token.substr(dot + 1, second - dot - 1));
    if (!artist || artist->empty() || artist->size() > kMaxIdBytes) return malformed();
  }
  auto mac = base64url_decode(token.substr(per_artist ? second + 1 : dot + 1));
  if (!user || !mac || user->empty() || user->size() > kMaxIdBytes || mac->size() != 32) {
    return malformed();
  }
  UnsubscribeScope scope;
  scope.user_id.assign(user->begin(), user->end());
  if (artist) scope.artist_id.emplace(artist->begin(), artist->end());
  const Sha256Digest expected = scope.artist_id ? mac_artist(key_, scope.user_id, *scope.artist_id)
                                                : mac_all(key_, scope.user_id);
  if (!constant_time_equal(std::span<const uint8_t>(expected), *mac)) {
    return make_error("token_signature_invalid", "the unsubscribe link is not valid");
  }
  return scope;
}

}  // namespace stagecast::platform
