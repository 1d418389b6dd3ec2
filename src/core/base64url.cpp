#include "core/base64url.h"

#include <sodium.h>

namespace stagecast {

std::string base64url_encode(std::span<const uint8_t> data) {
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_ENCODED_LEN(data.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), data.data(), data.size(), kVariant);
  out.resize(out.size() - 1);  // ENCODED_LEN counts the terminating NUL
  return out;
}

std::string base64url_encode(std::string_view data) {
  return base64url_encode(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}

std::optional<std::vector<uint8_t>> base64url_decode(std::string_view text) {
  // libsodium's decoder is strict (alphabet, trailing bits, no padding for this variant) and
  // fails when it cannot consume the whole input because b64_end is null.
  std::vector<uint8_t> out(text.size() / 4 * 3 + 3);
  size_t len = 0;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

}  // namespace stagecast
