#pragma once
// Playback tokens: what a viewer carries on every HLS playlist and segment request of a stream.
// Short-lived and bound to one stream and one viewer, so a leaked URL stops working within
// minutes and cannot be replayed against another stream.
//
// Format (URL-safe, no escaping needed in a query string):
//   base64url(viewer_id) "." expires_at (decimal unix seconds) "." base64url(mac)
//   mac = HMAC-SHA256(secret, "stagecast-playback-v1\n" stream_id "\n" viewer_id "\n" expires_at)
// The stream id is not in the token: it comes from the URL path, and the MAC binds it.
//
// Errors of verify: token_malformed, token_signature_invalid, token_expired (all HTTP 403 on /hls).

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace stagecast::platform {

inline constexpr std::string_view kAnonymousViewer = "anon";

struct PlaybackTokenOptions {
  std::string secret;  // >= 32 bytes
  std::chrono::seconds lifetime = std::chrono::minutes(10);
};

struct PlaybackGrant {
  std::string token;
  std::string stream_id;
  std::string viewer_id;   // a user id, or kAnonymousViewer
  int64_t expires_at = 0;  // unix seconds
};

class PlaybackTokenSigner {
 public:
  // Errors: invalid_config (short secret, non-positive lifetime).
  static Result<PlaybackTokenSigner> create(PlaybackTokenOptions options, const Clock& clock);

  PlaybackGrant issue(std::string_view stream_id, std::string_view viewer_id) const;

  // Checks the token for the stream named by the request path; returns the grant it carries.
  Result<PlaybackGrant> verify(std::string_view token, std::string_view stream_id) const;

  std::chrono::seconds lifetime() const { return options_.lifetime; }

 private:
  PlaybackTokenSigner(PlaybackTokenOptions options, const Clock& clock)
      : options_(std::move(options)), clock_(&clock) {}
  std::string mac_input(std::string_view stream_id, std::string_view viewer_id,
                        int64_t expires_at) const;

  PlaybackTokenOptions options_;
  const Clock* clock_;
};

}  // namespace stagecast::platform
