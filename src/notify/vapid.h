#pragma once
// Voluntary Application Server Identification (RFC 8292): every push request carries
//   Authorization: vapid t=<JWT>, k=<the server's P-256 public key, base64url>
// where the JWT is ES256-signed with {"typ":"JWT","alg":"ES256"} and claims "aud" (the push
// resource's origin), "exp" (at most 24 hours ahead) and "sub" (a mailto: or https: contact).
// The browser subscribed with the same public key (applicationServerKey), so the push service
// accepts pushes to that subscription only from the holder of the private key.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "notify/p256.h"

namespace stagecast::notify {

// scheme://host[:port] of an absolute http(s) URL, lower-cased scheme and host, default port
// left out. Errors: invalid_url.
Result<std::string> url_origin(std::string_view url);

// The signed JWT (compact form). `exp_unix` in seconds.
Result<std::string> vapid_jwt(const P256Key& key, const std::string& audience,
                              const std::string& subject, int64_t exp_unix);

// The key kept in `path` (PEM, mode 0600), created on first use. Errors: io_error, invalid_key
// (a file that is not a P-256 private key is never replaced).
Result<P256Key> load_or_create_vapid_key(const std::string& path);

// Authorization header values per audience, signed once and reused until an hour before they
// expire (RFC 8292 2: a token may be reused for many requests). Thread-compatible: one per
// delivery worker.
class VapidSigner {
 public:
  VapidSigner(std::shared_ptr<const P256Key> key, std::string subject,
              std::chrono::seconds lifetime = std::chrono::hours(12));
  // "vapid t=..., k=..." for requests to `audience`.
  Result<std::string> authorization(const std::string& audience, int64_t now_unix);
  const std::string& public_key_b64() const { return public_b64_; }

 private:
  struct Cached {
    std::string header;
    int64_t exp = 0;
  };
  std::shared_ptr<const P256Key> key_;
  std::string subject_;
  std::chrono::seconds lifetime_;
  std::string public_b64_;
  std::map<std::string, Cached> cache_;
};

}  // namespace stagecast::notify
