#pragma once
// RFC 4571 framing of RTP, RTCP, STUN and DTLS over a TCP connection (ICE-TCP, RFC 6544 3):
// every packet is preceded by its 16-bit big-endian length.

#include <cstddef>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace stagecast::rtc {

// Incremental reader: bytes in as they arrive (any split, several frames coalesced), whole
// frames out. A frame longer than `max_frame` is refused and the reader stays failed: the
// connection must be closed, since nothing after it can be trusted to be aligned.
class Rfc4571Reader {
 public:
  explicit Rfc4571Reader(size_t max_frame = 1500 * 2) : max_frame_(max_frame) {}

  // Appends complete frames to `frames`; zero-length frames are skipped.
  Result<void> feed(ByteSpan data, std::vector<Bytes>& frames);

  size_t buffered() const { return partial_.size(); }
  bool failed() const { return failed_; }

 private:
  size_t max_frame_;
  Bytes partial_;  // an incomplete length prefix or frame, at most max_frame_ + 2 bytes
  bool failed_ = false;
};

// The frame for one packet; refuses a packet over 65535 bytes.
Result<Bytes> rfc4571_frame(ByteSpan packet);

}  // namespace stagecast::rtc
