#include "platform/stream_key.h"

#include <algorithm>

#include "core/digest.h"
#include "core/random.h"

namespace stagecast::platform {
namespace {
constexpr size_t kRandomBytes = 24;
constexpr size_t kEncodedChars = 32;  // 24 bytes in unpadded base64url
}  // namespace

StreamKey generate_stream_key() {
  std::string plain(kStreamKeyPrefix);
  plain += random_token(kRandomBytes);
  std::string hash = hash_stream_key(plain);
  return StreamKey{std::move(plain), std::move(hash)};
}

std::string hash_stream_key(std::string_view plain) {
  return to_hex(sha256(plain));
}

bool looks_like_stream_key(std::string_view candidate) {
  if (candidate.size() != kStreamKeyPrefix.size() + kEncodedChars ||
      candidate.substr(0, kStreamKeyPrefix.size()) != kStreamKeyPrefix) {
    return false;
  }
  const std::string_view body = candidate.substr(kStreamKeyPrefix.size());
  return std::all_of(body.begin(), body.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

}  // namespace stagecast::platform
