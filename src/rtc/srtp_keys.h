#pragma once
// The SRTP protection profiles we negotiate in DTLS's use_srtp extension and the keys the
// handshake exports for them (RFC 5764 4.1.2, 4.2; RFC 7714 14.2).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/bytes.h"

namespace stagecast::rtc {

enum class SrtpProfile : uint8_t {
  AeadAes128Gcm,        // SRTP_AEAD_AES_128_GCM (0x0007), preferred
  Aes128CmHmacSha1_80,  // SRTP_AES128_CM_HMAC_SHA1_80 (0x0001), what every peer supports
};

std::string_view srtp_profile_name(SrtpProfile profile);

// Master key and salt lengths: 16 + 12 for AEAD_AES_128_GCM (RFC 7714 12), 16 + 14 for
// AES128_CM_HMAC_SHA1_80 (RFC 3711 8.2).
constexpr size_t srtp_master_key_length(SrtpProfile) { return 16; }
constexpr size_t srtp_master_salt_length(SrtpProfile p) {
  return p == SrtpProfile::AeadAes128Gcm ? 12 : 14;
}

// One direction's master key followed by its master salt, as libsrtp2 takes it.
struct SrtpKeys {
  SrtpProfile profile = SrtpProfile::AeadAes128Gcm;
  Bytes inbound;   // the DTLS client's (the publisher's): what we unprotect with
  Bytes outbound;  // the DTLS server's (ours): what we protect our RTCP with
};

}  // namespace stagecast::rtc
