// libFuzzer target: WHEP's H.264 packetiser on access units as a publisher may send them (AVCC
// bytes straight from RTMP or WHIP). The first byte picks the payload limit; every payload must
// fit in it, be non-empty, and FU-A fragments must carry S on the first and E on the last.

#include <cstddef>
#include <cstdint>

#include "rtc/h264_packetizer.h"

using namespace stagecast;
using namespace stagecast::rtc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t limit = 16 + data[0] * 8;
  H264ParameterSets sets{{Bytes{0x67, 0x42, 0xc0, 0x1e}}, {Bytes{0x68, 0xcb, 0x83}}};
  auto out = packetize_h264(ByteSpan(data + 1, size - 1), sets, limit);
  if (!out.ok()) return 0;
  bool in_fragment = false;
  for (const Bytes& p : *out) {
    if (p.empty() || p.size() > limit) __builtin_trap();
    if ((p[0] & 0x1F) != 28) {
      if (in_fragment) __builtin_trap();
      continue;
    }
    if (p.size() < 3) __builtin_trap();
    const bool start = p[1] & 0x80;
    const bool end = p[1] & 0x40;
    if (start == in_fragment) __builtin_trap();  // S exactly when no fragment is open
    in_fragment = !end;
  }
  if (in_fragment) __builtin_trap();
  return 0;
}
