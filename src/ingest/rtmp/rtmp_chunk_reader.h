#pragma once
// Incremental reader of the RTMP chunk stream (Adobe RTMP specification 1.0, section 5.3):
// bytes in any slicing go in, whole messages come out. Set Chunk Size (5.4.1) and Abort (5.4.2)
// change the reader's own state, so it handles them itself and does not return them.
//
// Memory is bounded: message length (never trusted: buffers grow only as payload arrives), the
// number of chunk streams, and the bytes held in partially received messages.

#include <cstdint>
#include <map>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "ingest/rtmp/rtmp_message.h"

namespace stagecast::ingest::rtmp {

struct ChunkReaderLimits {
  uint32_t max_message_size = 16 * 1024 * 1024;
  size_t max_chunk_streams = 64;
  size_t max_buffered_bytes = 32 * 1024 * 1024;  // across all partially received messages
};

class RtmpChunkReader {
 public:
  explicit RtmpChunkReader(ChunkReaderLimits limits = {}) : limits_(limits) {}

  // Appends every message completed by `data` to `out`. An error means the peer broke the
  // protocol or a limit; the connection cannot continue.
  Result<void> feed(ByteSpan data, std::vector<RtmpMessage>& out);

  uint32_t chunk_size() const { return chunk_size_; }
  // The session starts a connection with small limits (only commands are expected before the
  // stream key was accepted) and raises them once it publishes.
  void set_limits(ChunkReaderLimits limits) { limits_ = limits; }

 private:
  struct ChunkStream {
    uint32_t timestamp = 0;
    uint32_t delta = 0;  // what a type-3 header adds (the timestamp itself after a type 0, 5.3.1.2.4)
    uint32_t length = 0;
    uint32_t stream_id = 0;
    uint8_t type_id = 0;
    bool extended = false;  // last header used an extended timestamp: type-3 chunks carry it too
    bool has_header = false;
    bool in_progress = false;
    Bytes payload;
  };

  size_t header_bytes_needed() const;
  Result<void> apply_header();
  Result<void> complete_message(ChunkStream& cs, std::vector<RtmpMessage>& out);

  ChunkReaderLimits limits_;
  uint32_t chunk_size_ = 128;  // 5.4.1: the default until the peer says otherwise
  std::map<uint32_t, ChunkStream> streams_;
  size_t buffered_ = 0;

  uint8_t header_[18] = {};
  size_t header_len_ = 0;
  bool in_payload_ = false;
  uint32_t current_csid_ = 0;
  uint32_t chunk_left_ = 0;
};

}  // namespace stagecast::ingest::rtmp
