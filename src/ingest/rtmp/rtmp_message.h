#pragma once
// RTMP messages as the chunk stream delivers them (Adobe RTMP specification 1.0, section 5.4 and
// 7.1): a type id, a 32-bit millisecond timestamp, a message stream id and a payload.

#include <cstdint>

#include "core/bytes.h"

namespace stagecast::ingest::rtmp {

namespace msg_type {
inline constexpr uint8_t kSetChunkSize = 1;      // 5.4.1
inline constexpr uint8_t kAbort = 2;             // 5.4.2
inline constexpr uint8_t kAcknowledgement = 3;   // 5.4.3
inline constexpr uint8_t kUserControl = 4;       // 6.2 / 7.1.7
inline constexpr uint8_t kWindowAckSize = 5;     // 5.4.4
inline constexpr uint8_t kSetPeerBandwidth = 6;  // 5.4.5
inline constexpr uint8_t kAudio = 8;
inline constexpr uint8_t kVideo = 9;
inline constexpr uint8_t kDataAmf3 = 15;
inline constexpr uint8_t kCommandAmf3 = 17;
inline constexpr uint8_t kDataAmf0 = 18;
inline constexpr uint8_t kCommandAmf0 = 20;
inline constexpr uint8_t kAggregate = 22;
}  // namespace msg_type

// User control event types (7.1.7).
namespace user_control {
inline constexpr uint16_t kStreamBegin = 0;
inline constexpr uint16_t kStreamEof = 1;
inline constexpr uint16_t kSetBufferLength = 3;
inline constexpr uint16_t kPingRequest = 6;
inline constexpr uint16_t kPingResponse = 7;
}  // namespace user_control

struct RtmpMessage {
  uint32_t chunk_stream_id = 0;
  uint8_t type_id = 0;
  uint32_t timestamp = 0;  // ms, wraps at 2^32
  uint32_t stream_id = 0;
  Bytes payload;
};

}  // namespace stagecast::ingest::rtmp
