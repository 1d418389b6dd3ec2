#pragma once
// Writes ISO BMFF boxes (ISO/IEC 14496-12 4.2): a 32-bit size, a four-character type, and for a
// FullBox a version byte and 24 bits of flags. Sizes are patched when a box is closed, so nested
// boxes are written in one pass without knowing their length up front.

#include <cassert>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/bytes.h"

namespace stagecast::hls {

class Mp4BoxWriter {
 public:
  Mp4BoxWriter() = default;
  explicit Mp4BoxWriter(Bytes& out) : w_(out) {}

  void begin(std::string_view fourcc) {
    assert(fourcc.size() == 4);
    open_.push_back(w_.size());
    w_.u32be(0);
    w_.str(fourcc);
  }
  void begin_full(std::string_view fourcc, uint8_t version, uint32_t flags) {
    begin(fourcc);
    w_.u8(version);
    w_.u24be(flags);
  }
  void end() {
    assert(!open_.empty());
    const size_t start = open_.back();
    open_.pop_back();
    w_.patch_u32be(start, static_cast<uint32_t>(w_.size() - start));
  }

  ByteWriter& out() { return w_; }
  size_t size() const { return w_.size(); }
  Bytes take() {
    assert(open_.empty());
    return w_.take();
  }

 private:
  ByteWriter w_;
  std::vector<size_t> open_;
};

}  // namespace stagecast::hls
