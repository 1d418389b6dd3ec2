#pragma once
// Bounds-checked big-endian reading and writing over byte spans. Every network parser reads
// through ByteReader so that no length field is ever trusted.

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace stagecast {

using Bytes = std::vector<uint8_t>;
using ByteSpan = std::span<const uint8_t>;

inline ByteSpan as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_string_view(ByteSpan b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

class ByteReader {
 public:
  explicit ByteReader(ByteSpan data) : data_(data) {}

  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  bool empty() const { return remaining() == 0; }
  ByteSpan rest() const { return data_.subspan(pos_); }

  std::optional<uint8_t> u8() {
    if (remaining() < 1) return std::nullopt;
    return data_[pos_++];
  }
  std::optional<uint16_t> u16be() { return uint_be<uint16_t>(2); }
  std::optional<uint32_t> u24be() { return uint_be<uint32_t>(3); }
  std::optional<uint32_t> u32be() { return uint_be<uint32_t>(4); }
  std::optional<uint64_t> u64be() { return uint_be<uint64_t>(8); }
  std::optional<uint32_t> u32le() {
    if (remaining() < 4) return std::nullopt;
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | data_[pos_ + static_cast<size_t>(i)];
    pos_ += 4;
    return v;
  }
  std::optional<ByteSpan> bytes(size_t n) {
    if (remaining() < n) return std::nullopt;
    ByteSpan out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  bool skip(size_t n) {
    if (remaining() < n) return false;
    pos_ += n;
    return true;
  }

 private:
  template <typename U>
  std::optional<U> uint_be(size_t n) {
    if (remaining() < n) return std::nullopt;
    U v = 0;
    for (size_t i = 0; i < n; ++i) v = static_cast<U>((v << 8) | data_[pos_ + i]);
    pos_ += n;
    return v;
  }

  ByteSpan data_;
  size_t pos_ = 0;
};

class ByteWriter {
 public:
  ByteWriter() = default;
  explicit ByteWriter(Bytes& out) : out_(&out) {}

  void u8(uint8_t v) { buf().push_back(v); }
  void u16be(uint16_t v) { be(v, 2); }
  void u24be(uint32_t v) { be(v, 3); }
  void u32be(uint32_t v) { be(v, 4); }
  void u64be(uint64_t v) { be(v, 8); }
  void u32le(uint32_t v) {
    for (int i = 0; i < 4; ++i) buf().push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void bytes(ByteSpan b) { buf().insert(buf().end(), b.begin(), b.end()); }
  void str(std::string_view s) { bytes(as_bytes(s)); }
  void zeros(size_t n) { buf().insert(buf().end(), n, 0); }

  size_t size() const { return out_ ? out_->size() : own_.size(); }
  // Overwrites a 32-bit big-endian value written earlier (box sizes, chunk lengths).
  void patch_u32be(size_t at, uint32_t v) {
    for (size_t i = 0; i < 4; ++i) buf()[at + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
  }
  Bytes& data() { return buf(); }
  Bytes take() { return std::move(buf()); }

 private:
  Bytes& buf() { return out_ ? *out_ : own_; }
  void be(uint64_t v, size_t n) {
    for (size_t i = 0; i < n; ++i) buf().push_back(static_cast<uint8_t>(v >> (8 * (n - 1 - i))));
  }
  Bytes own_;
  Bytes* out_ = nullptr;
};

}  // namespace stagecast
