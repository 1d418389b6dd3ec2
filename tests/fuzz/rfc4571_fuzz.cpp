// libFuzzer target: the RFC 4571 reader. The first byte picks how the input is sliced; the frames
// must be the same for every slicing.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "rtc/packet_demux.h"
#include "rtc/rfc4571_framing.h"

using namespace stagecast;
using namespace stagecast::rtc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t slice = 1 + data[0] % 64;
  ByteSpan input(data + 1, size - 1);
  Rfc4571Reader whole(1500), sliced(1500);
  std::vector<Bytes> a, b;
  const bool ok_whole = whole.feed(input, a).ok();
  bool ok_sliced = true;
  for (size_t pos = 0; pos < input.size() && ok_sliced; pos += slice) {
    ok_sliced = sliced.feed(input.subspan(pos, std::min(slice, input.size() - pos)), b).ok();
  }
  if (ok_whole != ok_sliced || a != b) __builtin_trap();
  for (const auto& f : a) (void)classify_packet(f);
  return 0;
}
