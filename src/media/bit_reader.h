#pragma once
// Bounds-checked MSB-first bit reading for codec headers (H.264 SPS, AAC AudioSpecificConfig).
// Every read returns std::nullopt past the end, so a truncated header can never be over-read.

#include <cstdint>
#include <optional>

#include "core/bytes.h"

namespace stagecast::media {

class BitReader {
 public:
  explicit BitReader(ByteSpan data) : data_(data) {}

  size_t bits_left() const { return data_.size() * 8 - pos_; }

  std::optional<uint32_t> bits(unsigned n) {
    if (n > 32 || bits_left() < n) return std::nullopt;
    uint32_t v = 0;
    for (unsigned i = 0; i < n; ++i) {
      const uint8_t byte = data_[pos_ >> 3];
      v = (v << 1) | ((byte >> (7 - (pos_ & 7))) & 1u);
      ++pos_;
    }
    return v;
  }
  std::optional<bool> flag() {
    auto b = bits(1);
    if (!b) return std::nullopt;
    return *b != 0;
  }
  bool skip(size_t n) {
    if (bits_left() < n) return false;
    pos_ += n;
    return true;
  }

  // ue(v), H.264 9.1. More than 31 leading zeros cannot encode a 32-bit value: reject.
  std::optional<uint32_t> ue() {
    unsigned zeros = 0;
    while (true) {
      auto b = bits(1);
      if (!b) return std::nullopt;
      if (*b) break;
      if (++zeros > 31) return std::nullopt;
    }
    if (zeros == 0) return 0u;
    auto rest = bits(zeros);
    if (!rest) return std::nullopt;
    return static_cast<uint32_t>((uint64_t{1} << zeros) - 1 + *rest);
  }
  // se(v), H.264 9.1.1.
  std::optional<int32_t> se() {
    auto k = ue();
    if (!k) return std::nullopt;
    const int64_t v = (*k & 1u) ? (int64_t{*k} + 1) / 2 : -(int64_t{*k} / 2);
    return static_cast<int32_t>(v);
  }

 private:
  ByteSpan data_;
  size_t pos_ = 0;
};

}  // namespace stagecast::media
