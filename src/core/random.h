#pragma once
// Cryptographically secure random tokens and ids (libsodium's randombytes).

#include <cstddef>
#include <string>

namespace stagecast {

// `bytes` random bytes encoded as unpadded base64url.
std::string random_token(size_t bytes);
// A random 128-bit id as 32 lowercase hex characters.
std::string random_id();

}  // namespace stagecast
