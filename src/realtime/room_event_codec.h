#pragma once
// The form a RoomEvent takes between nodes (RedisRoomBus): one JSON object per event, carrying
// the publishing node's id (so that a node drops the echo of its own events), the stream, and
// every typed field the receiving rooms apply, beside the `wire` bytes their members receive.
//   {"v":1,"node":"n1","stream":"<id>","kind":"chat","wire":"{...}",
//    "message":{...ChatMessage...}, "live":{...LiveStream...}, "user":"..", "messageId":"..",
//    "until":123}
// The stream record travels without its stream key hash. What arrives from Redis is untrusted
// bytes: decode() checks every field and refuses anything malformed (never throws).

#include <string>
#include <string_view>

#include "core/result.h"
#include "realtime/room_bus.h"

namespace stagecast::realtime {

struct NodeRoomEvent {
  std::string node;
  std::string stream_id;
  RoomEvent event;
};

inline constexpr size_t kMaxRoomEventBytes = 1 << 20;

std::string encode_room_event(std::string_view node, std::string_view stream_id,
                              const RoomEvent& event);
// invalid_event with the reason.
Result<NodeRoomEvent> decode_room_event(std::string_view bytes);

}  // namespace stagecast::realtime
