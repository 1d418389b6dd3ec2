#pragma once
// Reads the tags of a real FLV file (FLV specification E.3/E.4.1) for parser tests.

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/bytes.h"

namespace stagecast::test {

struct FlvFileTag {
  uint8_t type = 0;  // 8 audio, 9 video, 18 script data
  uint32_t timestamp = 0;
  Bytes body;
};

inline Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

inline std::vector<FlvFileTag> read_flv_tags(const std::string& path) {
  const Bytes file = read_file(path);
  std::vector<FlvFileTag> tags;
  ByteReader r(file);
  if (!r.skip(9 + 4)) return tags;  // header, PreviousTagSize0
  while (!r.empty()) {
    auto type = r.u8();
    auto size = r.u24be();
    auto ts = r.u24be();
    auto ts_ext = r.u8();
    if (!type || !size || !ts || !ts_ext || !r.skip(3)) break;
    auto body = r.bytes(*size);
    if (!body || !r.skip(4)) break;
    tags.push_back({static_cast<uint8_t>(*type & 0x1f), (uint32_t{*ts_ext} << 24) | *ts,
                    Bytes(body->begin(), body->end())});
  }
  return tags;
}

}  // namespace stagecast::test
