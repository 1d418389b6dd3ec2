#include "rtc/rfc4571_framing.h"

namespace stagecast::rtc {

Result<void> Rfc4571Reader::feed(ByteSpan data, std::vector<Bytes>& frames) {
  if (failed_) return make_error("rfc4571_failed", "the stream failed earlier");
  while (!data.empty()) {
    // Fill the length prefix first, then the body.
    if (partial_.size() < 2) {
      const size_t take = std::min(data.size(), 2 - partial_.size());
      partial_.insert(partial_.end(), data.begin(), data.begin() + static_cast<long>(take));
      data = data.subspan(take);
      if (partial_.size() < 2) break;
    }
    const size_t length = (size_t{partial_[0]} << 8) | partial_[1];
    if (length > max_frame_) {
      failed_ = true;
      partial_.clear();
      return make_error("rfc4571_oversized", "frame longer than the limit");
    }
    const size_t have = partial_.size() - 2;
    const size_t take = std::min(data.size(), length - have);
    partial_.insert(partial_.end(), data.begin(), data.begin() + static_cast<long>(take));
    data = data.subspan(take);
    if (partial_.size() - 2 == length) {
      if (length > 0) frames.emplace_back(partial_.begin() + 2, partial_.end());
      partial_.clear();
    }
  }
  return ok_result();
}

Result<Bytes> rfc4571_frame(ByteSpan packet) {
  if (packet.size() > 0xFFFF) return make_error("rfc4571_oversized", "packet over 65535 bytes");
  Bytes out;
  ByteWriter w(out);
  w.u16be(static_cast<uint16_t>(packet.size()));
  w.bytes(packet);
  return out;
}

}  // namespace stagecast::rtc
