// libFuzzer target: H.264 sequence parameter set parsing (exp-Golomb reads, scaling lists,
// cropping arithmetic).

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "media/h264_sps.h"

using namespace stagecast;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto sps = media::parse_h264_sps(ByteSpan(data, size));
  if (sps && (sps->width <= 0 || sps->height <= 0 || sps->width > 16384 || sps->height > 32768)) std::abort();
  return 0;
}
