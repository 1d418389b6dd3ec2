#pragma once
// The bytes a real ffmpeg publisher sent (tests/data/rtmp/capture.py): C0+C1, C2, then the chunk
// stream of connect ... deleteStream with one second of 320x240 H.264 and 48 kHz AAC.

#include <fstream>
#include <iterator>
#include <string>

#include "core/bytes.h"
#include "ingest/rtmp/rtmp_handshake.h"

namespace stagecast::test {

inline Bytes read_fixture(const std::string& name) {
  std::ifstream in(std::string(STAGECAST_TEST_DATA) + "/rtmp/" + name, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

inline Bytes ffmpeg_c2s() { return read_fixture("ffmpeg_publish_c2s.bin"); }

// The chunk stream after the handshake.
inline Bytes ffmpeg_chunk_stream() {
  Bytes all = ffmpeg_c2s();
  const size_t skip = ingest::rtmp::kC0C1Size + ingest::rtmp::kHandshakeSize;
  return all.size() > skip ? Bytes(all.begin() + static_cast<long>(skip), all.end()) : Bytes{};
}

}  // namespace stagecast::test
