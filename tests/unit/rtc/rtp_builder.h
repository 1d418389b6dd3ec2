#pragma once
// Hand-built RTP packets for the tests (RFC 3550 5.1 layout).

#include <cstdint>
#include <vector>

#include "core/bytes.h"

namespace stagecast::rtc::test {

inline Bytes make_rtp(uint8_t pt, uint16_t seq, uint32_t ts, bool marker, const Bytes& payload,
                      uint32_t ssrc = 0x11223344) {
  Bytes out;
  ByteWriter w(out);
  w.u8(0x80);
  w.u8(static_cast<uint8_t>((marker ? 0x80 : 0) | pt));
  w.u16be(seq);
  w.u32be(ts);
  w.u32be(ssrc);
  w.bytes(payload);
  return out;
}

}  // namespace stagecast::rtc::test
