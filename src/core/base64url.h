#pragma once
// base64url without padding (RFC 4648 §5), the encoding of JWS segments (RFC 7515 §2), of our
// playback tokens and of Web Push keys (RFC 8291 §3.2).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace stagecast {

std::string base64url_encode(std::span<const uint8_t> data);
std::string base64url_encode(std::string_view data);
// Strict: rejects padding, characters outside the url-safe alphabet, impossible lengths and
// non-zero trailing bits, so one value has exactly one encoding (no signature malleability).
std::optional<std::vector<uint8_t>> base64url_decode(std::string_view text);

}  // namespace stagecast
