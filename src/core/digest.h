#pragma once
// The message digests Stagecast relies on (OpenSSL 3 EVP): SHA-256 for stream-key lookup and
// HMAC-SHA256 for JWT HS256, playback tokens and Stripe webhook signatures, plus a constant-time
// comparison for MACs.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace stagecast {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest sha256(std::string_view data);
Sha256Digest hmac_sha256(std::string_view key, std::string_view data);

std::string to_hex(std::span<const uint8_t> data);

// Runs in time that depends only on the lengths, never on where the inputs first differ.
bool constant_time_equal(std::span<const uint8_t> a, std::span<const uint8_t> b);

}  // namespace stagecast
