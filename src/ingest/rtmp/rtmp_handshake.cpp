#include "ingest/rtmp/rtmp_handshake.h"

namespace stagecast::ingest::rtmp {

Result<Bytes> make_server_handshake(ByteSpan c0c1, uint32_t server_time_ms, ByteSpan s1_random) {
  if (c0c1.size() != kC0C1Size) return make_error("rtmp_handshake", "C0+C1 has the wrong size");
  if (s1_random.size() != kHandshakeSize - 8) {
    return make_error("rtmp_handshake", "S1 random has the wrong size");
  }
  // 5.2.2: 3 is plain RTMP; 6 asks for RTMPE encryption, which is not offered; anything else is
  // not RTMP at all (an HTTP request, a TLS ClientHello, random bytes).
  if (c0c1[0] != kRtmpVersion) {
    return make_error("rtmp_handshake", c0c1[0] == 6 ? "RTMPE is not supported"
                                                      : "not an RTMP client (bad C0 version)");
  }
  ByteWriter w;
  w.u8(kRtmpVersion);                          // S0
  w.u32be(server_time_ms);                     // S1 time
  w.zeros(4);                                  // S1 zero: no server version, no digest
  w.bytes(s1_random);                          // S1 random
  w.bytes(c0c1.subspan(1, kHandshakeSize));    // S2: echo of C1 (5.2.4)
  return w.take();
}

}  // namespace stagecast::ingest::rtmp
