#include "platform/playback_token.h"

#include <charconv>

#include "core/digest.h"
#include "platform/base64url.h"

namespace stagecast::platform {
namespace {
constexpr size_t kMaxTokenBytes = 512;
constexpr size_t kMaxViewerIdBytes = 128;
}  // namespace

Result<PlaybackTokenSigner> PlaybackTokenSigner::create(PlaybackTokenOptions options,
                                                        const Clock& clock) {
  if (options.secret.size() < 32) {
    return make_error("invalid_config", "playback token secret must be at least 32 bytes");
  }
  if (options.lifetime <= std::chrono::seconds(0)) {
    return make_error("invalid_config", "playback token lifetime must be positive");
  }
  return PlaybackTokenSigner(std::move(options), clock);
}

std::string PlaybackTokenSigner::mac_input(std::string_view stream_id, std::string_view viewer_id,
                                           int64_t expires_at) const {
  // Newline separators are unambiguous: ids never contain one (issue() is only called with ids
  // from our own store, and verify() gets the viewer id back from base64url).
  std::string input = "stagecast-playback-v1\n";
  input.append(stream_id).append("\n").append(viewer_id).append("\n");
  input += std::to_string(expires_at);
  return input;
}

PlaybackGrant PlaybackTokenSigner::issue(std::string_view stream_id,
                                         std::string_view viewer_id) const {
  const int64_t expires_at = clock_->unix_seconds() + options_.lifetime.count();
  const Sha256Digest mac =
      hmac_sha256(options_.secret, mac_input(stream_id, viewer_id, expires_at));
  std::string token = base64url_encode(viewer_id);
  token += ".";
  token += std::to_string(expires_at);
  token += ".";
  token += base64url_encode(mac);
  return PlaybackGrant{std::move(token), std::string(stream_id), std::string(viewer_id),
                       expires_at};
}

Result<PlaybackGrant> PlaybackTokenSigner::verify(std::string_view token,
                                                  std::string_view stream_id) const {
  auto malformed = [] { return make_error("token_malformed", "playback token is malformed"); };
  if (token.empty() || token.size() > kMaxTokenBytes) return malformed();
  const size_t dot1 = token.find('.');
  const size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return malformed();
  }
  const auto viewer = base64url_decode(token.substr(0, dot1));
  const std::string_view exp_text = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const auto mac = base64url_decode(token.substr(dot2 + 1));
  if (!viewer || viewer->empty() || viewer->size() > kMaxViewerIdBytes || !mac ||
      exp_text.empty() || exp_text.size() > 12 || exp_text.front() == '0' ||
      exp_text.find_first_not_of("0123456789") != std::string_view::npos) {
    return malformed();
  }
  int64_t expires_at = 0;
  const auto [end, ec] =
      std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), expires_at);
  if (ec != std::errc() || end != exp_text.data() + exp_text.size()) return malformed();

  const std::string viewer_id(viewer->begin(), viewer->end());
  if (viewer_id.find('\n') != std::string::npos) return malformed();
  const Sha256Digest expected =
      hmac_sha256(options_.secret, mac_input(stream_id, viewer_id, expires_at));
  if (!constant_time_equal(expected, *mac)) {
    return make_error("token_signature_invalid", "playback token is not valid for this stream");
  }
  if (clock_->unix_seconds() >= expires_at) {
    return make_error("token_expired", "playback token has expired");
  }
  return PlaybackGrant{std::string(token), std::string(stream_id), viewer_id, expires_at};
}

}  // namespace stagecast::platform
