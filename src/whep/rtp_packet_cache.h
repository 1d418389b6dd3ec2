#pragma once
// The last packets sent to one viewer, by sequence number, so a NACK (RFC 4585 6.2.1) is
// answered with the same packet again. A fixed ring: the oldest is overwritten, memory never
// grows with the stream. Packets are kept before SRTP (a retransmission is protected again with
// its own index, as libsrtp2 expects of a resent packet).

#include <cstdint>
#include <vector>

#include "core/bytes.h"

namespace stagecast::whep {

class RtpPacketCache {
 public:
  explicit RtpPacketCache(size_t capacity = 1024) : slots_(capacity) {}

  void put(uint16_t sequence, const Bytes& packet) {
    Slot& s = slots_[sequence % slots_.size()];
    s.sequence = sequence;
    s.packet = packet;
    s.used = true;
  }
  // Null when that sequence number was overwritten or never sent.
  const Bytes* get(uint16_t sequence) const {
    const Slot& s = slots_[sequence % slots_.size()];
    return s.used && s.sequence == sequence ? &s.packet : nullptr;
  }

 private:
  struct Slot {
    uint16_t sequence = 0;
    bool used = false;
    Bytes packet;
  };
  std::vector<Slot> slots_;
};

}  // namespace stagecast::whep
