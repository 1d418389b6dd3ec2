#pragma once
// The token of an email's unsubscribe link (docs/notifications.md, Unsubscribe): it lets whoever
// holds the mail turn that user's notification email off without signing in, and nothing else.
// It does not expire (a mail read months later must still be able to stop the next one) and it
// cannot be forged: without the server's secret no token for another user can be made.
//
// Format (URL-safe): base64url(user_id) "." base64url(mac)
//   mac = HMAC-SHA256(key, "stagecast-unsubscribe-v1\n" user_id)
// with key = HMAC-SHA256(server secret, "stagecast/unsubscribe-key/v1"): the server's JWT secret
// is reused under its own label, so one configured secret serves both and no new one is needed.
//
// Errors of verify: token_malformed, token_signature_invalid.

#include <string>
#include <string_view>

#include "core/result.h"

namespace stagecast::platform {

class UnsubscribeTokens {
 public:
  // `secret`: the server's secret (auth.jwt_secret), at least 32 bytes.
  explicit UnsubscribeTokens(std::string_view secret);

  std::string issue(std::string_view user_id) const;
  // The user id the token was issued for.
  Result<std::string> verify(std::string_view token) const;

 private:
  std::string key_;
};

}  // namespace stagecast::platform
