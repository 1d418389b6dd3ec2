#pragma once
// Serialises messages into chunks (Adobe RTMP specification 1.0, 5.3.1): a type-0 header for the
// first chunk and type-3 headers for the rest, extended timestamps repeated on every chunk as
// ffmpeg and librtmp expect. The server only sends small control and command messages, so the
// header compression of types 1 and 2 is not worth its state.

#include <cstdint>

#include "core/bytes.h"
#include "ingest/rtmp/rtmp_message.h"

namespace stagecast::ingest::rtmp {

// Chunk stream ids the server sends on (the choice ffmpeg and nginx-rtmp make).
inline constexpr uint32_t kControlChunkStream = 2;
inline constexpr uint32_t kCommandChunkStream = 3;

class RtmpChunkWriter {
 public:
  explicit RtmpChunkWriter(uint32_t chunk_size = 128) : chunk_size_(chunk_size) {}

  // The caller must also send Set Chunk Size (before any message chunked with the new size).
  void set_chunk_size(uint32_t size) { chunk_size_ = size == 0 ? 1 : size; }
  uint32_t chunk_size() const { return chunk_size_; }

  // `csid` in 2..65599 (5.3.1.1).
  void write(Bytes& out, uint32_t csid, uint8_t type_id, uint32_t timestamp, uint32_t stream_id,
             ByteSpan payload) const;

  // Protocol control messages (5.4) and user control events (7.1.7).
  void set_chunk_size_message(Bytes& out, uint32_t size) const;
  void window_ack_size(Bytes& out, uint32_t size) const;
  void set_peer_bandwidth(Bytes& out, uint32_t size, uint8_t limit_type) const;
  void acknowledgement(Bytes& out, uint32_t sequence_number) const;
  void user_control(Bytes& out, uint16_t event, uint32_t value) const;

 private:
  uint32_t chunk_size_;
};

}  // namespace stagecast::ingest::rtmp
