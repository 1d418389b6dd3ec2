// libFuzzer target: MPEG-4 AudioSpecificConfig parsing.

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "media/aac_config.h"

using namespace stagecast;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto asc = media::parse_aac_config(ByteSpan(data, size));
  if (asc && asc->sample_rate <= 0) std::abort();
  return 0;
}
