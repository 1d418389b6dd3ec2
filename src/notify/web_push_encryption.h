#pragma once
// Message encryption for Web Push (RFC 8291) in the "aes128gcm" content coding (RFC 8188): the
// body of a push message, readable only by the browser that holds the subscription's private
// key and auth secret.
//
// body = salt (16) || rs (uint32, 4096) || idlen (65) || keyid (the sender's ephemeral public
//        key) || AES-128-GCM(plaintext || 0x02)     -- one record, the last (RFC 8188 2)
//
// with, per RFC 8291 3.3-3.4: ecdh_secret = ECDH(as_private, ua_public);
// IKM = HKDF(salt = auth_secret, ikm = ecdh_secret, info = "WebPush: info" 0x00 ua_public
// as_public, 32); PRK = HKDF-Extract(salt, IKM); CEK = HKDF-Expand(PRK, "Content-Encoding:
// aes128gcm" 0x00, 16); NONCE = HKDF-Expand(PRK, "Content-Encoding: nonce" 0x00, 12).

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "notify/p256.h"

namespace stagecast::notify {

inline constexpr size_t kPushAuthSecretBytes = 16;
// RFC 8291 4: push services must accept 4096 bytes of body; the header takes 86 and the tag 16,
// and the padding delimiter one.
inline constexpr size_t kMaxPushPlaintext = 4096 - 86 - 16 - 1;

// Encrypts `plaintext` for the subscription keys (`ua_public`: p256dh, 65 bytes; `auth_secret`:
// 16 bytes). A fresh ephemeral key and salt per message unless given (the RFC 8291 Appendix A
// test). Errors: invalid_key (keys of the wrong size or not on P-256), payload_too_large,
// crypto_error.
Result<std::vector<uint8_t>> encrypt_push_message(
    std::string_view plaintext, std::span<const uint8_t> ua_public,
    std::span<const uint8_t> auth_secret, const P256Key* sender_key = nullptr,
    std::optional<std::array<uint8_t, 16>> salt = std::nullopt);

}  // namespace stagecast::notify
