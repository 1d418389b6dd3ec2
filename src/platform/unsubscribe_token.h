#pragma once
// The token of an email's unsubscribe link (docs/notifications.md, Unsubscribe): it lets whoever
// holds the mail turn that user's notification email off without signing in, and nothing else.
// It does not expire (a mail read months later must still be able to stop the next one) and it
// cannot be forged: without the server's secret no token for another user can be made.
//
// Formats (URL-safe), key = HMAC-SHA256(server secret, "stagecast/unsubscribe-key/v1") (the
// server's JWT secret is reused under its own label, so one configured secret serves both):
//  * per artist (every mail now): base64url(user_id) "." base64url(artist_id) "." base64url(mac)
//      mac = HMAC-SHA256(key, "stagecast-unsubscribe-v2\n" len(user_id) ":" user_id artist_id)
//    (the length keeps a user/artist split from being moved);
//  * all email (links of mails sent before per-artist links existed keep working):
//      base64url(user_id) "." base64url(mac), mac = HMAC-SHA256(key, "stagecast-unsubscribe-v1\n"
//      user_id).
//
// Errors of verify: token_malformed, token_signature_invalid.

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace stagecast::platform {

// What a valid token names.
struct UnsubscribeScope {
  std::string user_id;
  std::optional<std::string> artist_id;  // nullopt: every artist (the old format)
};

class UnsubscribeTokens {
 public:
  // `secret`: the server's secret (auth.jwt_secret), at least 32 bytes.
  explicit UnsubscribeTokens(std::string_view secret);

  // The link of a mail about `artist_id`'s stream.
  std::string issue(std::string_view user_id, std::string_view artist_id) const;
  // The old, artist-less format (all email).
  std::string issue_all(std::string_view user_id) const;
  Result<UnsubscribeScope> verify(std::string_view token) const;

 private:
  std::string key_;
};

}  // namespace stagecast::platform
