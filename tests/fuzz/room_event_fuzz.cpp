// libFuzzer target: room events as they arrive from Redis (realtime/room_event_codec.h), from
// whoever can publish on the bus. Must never crash, hang or throw; what decodes must encode and
// decode again to the same event.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "realtime/room_event_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto decoded = stagecast::realtime::decode_room_event(bytes);
  if (!decoded.ok()) return 0;
  const std::string again =
      stagecast::realtime::encode_room_event(decoded->node, decoded->stream_id, decoded->event);
  auto twice = stagecast::realtime::decode_room_event(again);
  if (!twice.ok() || twice->event.kind != decoded->event.kind || twice->node != decoded->node)
    std::abort();
  return 0;
}
