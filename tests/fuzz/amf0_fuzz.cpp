// libFuzzer target: the AMF0 decoder. Whatever decodes must encode and decode again to the same
// number of values (the encoder and decoder agree).

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "ingest/rtmp/amf0.h"

using namespace stagecast;
using namespace stagecast::ingest::rtmp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto values = amf0_decode_all(ByteSpan(data, size));
  if (!values) return 0;
  const Bytes again = amf0_encode_all(*values);
  // Re-encoding can grow a value (a 0xffff+ key is cut, strings switch to long form), so only
  // nesting and count limits matter for the second decode.
  auto decoded = amf0_decode_all(again, AmfLimits{64, 1u << 20});
  if (!decoded || decoded->size() != values->size()) std::abort();
  return 0;
}
