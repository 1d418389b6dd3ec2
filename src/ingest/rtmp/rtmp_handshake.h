#pragma once
// The server side of the RTMP handshake (Adobe RTMP specification 1.0, section 5.2).
//
// ffmpeg, OBS (librtmp) and Flash-era clients put a version and an HMAC digest in C1 ("complex"
// handshake); they only verify the server's digest when S1 announces a server version. This
// server answers with a zero version in S1 and echoes C1 as S2 (the simple handshake of 5.2.3),
// which both plain and digest clients accept, and it does not verify C2 for the same reason.

#include <cstdint>

#include "core/bytes.h"
#include "core/result.h"

namespace stagecast::ingest::rtmp {

inline constexpr uint8_t kRtmpVersion = 3;
inline constexpr size_t kHandshakeSize = 1536;          // C1, C2, S1, S2
inline constexpr size_t kC0C1Size = 1 + kHandshakeSize;

// Validates C0+C1 and returns S0+S1+S2. `s1_random` fills S1 after its 8-byte header (its
// length must be kHandshakeSize - 8).
Result<Bytes> make_server_handshake(ByteSpan c0c1, uint32_t server_time_ms, ByteSpan s1_random);

}  // namespace stagecast::ingest::rtmp
