#pragma once
// Stream keys: the secret an encoder (OBS, ffmpeg, a WHIP client) presents to publish.

#include <string>
#include <string_view>

namespace stagecast::platform {

inline constexpr std::string_view kStreamKeyPrefix = "sk_";

struct StreamKey {
  std::string plain;  // shown to the artist once, never stored, never logged
  std::string hash;   // what the store keeps (hex SHA-256 of plain)
};

// "sk_" followed by 32 base64url characters (24 random bytes = 192 bits), so that a key is
// recognisable in a leaked config file or a secret scanner and unguessable.
StreamKey generate_stream_key();

// Keys are stored as a plain SHA-256, not argon2: a key carries 192 random bits, so no dictionary
// or brute force can invert its hash and slow hashing buys nothing; and publishing looks the
// stream up *by* the key, which needs a deterministic hash (argon2's per-hash salt would force a
// scan of every stream with a deliberately slow function on each RTMP connect).
std::string hash_stream_key(std::string_view plain);

// Cheap shape check before any database work: prefix, length and alphabet.
bool looks_like_stream_key(std::string_view candidate);

}  // namespace stagecast::platform
