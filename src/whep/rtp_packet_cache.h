#pragma once
// The last packets sent to one viewer, by sequence number, so a NACK (RFC 4585 6.2.1) is
// answered with the same packet again. A fixed ring: the oldest is overwritten, memory never
// grows with the stream.
//
// A slot keeps the header fields and a reference to the payload in the stream's shared unit, not
// a copy of the packet: every viewer of a stream refers to the same payload bytes, so a viewer's
// cache costs a few dozen bytes per slot and no copy per packet sent. A retransmission writes the
// packet again from them (the same bytes) and protects it with its own index, as libsrtp2
// expects of a resent packet.

#include <cstdint>
#include <memory>
#include <vector>

#include "core/bytes.h"
#include "rtc/rtp_packet.h"

namespace stagecast::whep {

class RtpPacketCache {
 public:
  struct Entry {
    rtc::RtpHeaderFields header;
    std::shared_ptr<const void> owner;  // keeps `payload` alive (the unit it belongs to)
    ByteSpan payload;
  };

  explicit RtpPacketCache(size_t capacity = 1024) : slots_(capacity) {}

  void put(const rtc::RtpHeaderFields& header, std::shared_ptr<const void> owner,
           ByteSpan payload) {
    Slot& s = slots_[header.sequence % slots_.size()];
    s.entry.header = header;
    s.entry.owner = std::move(owner);
    s.entry.payload = payload;
    s.used = true;
  }
  // Null when that sequence number was overwritten or never sent.
  const Entry* get(uint16_t sequence) const {
    const Slot& s = slots_[sequence % slots_.size()];
    return s.used && s.entry.header.sequence == sequence ? &s.entry : nullptr;
  }

 private:
  struct Slot {
    Entry entry;
    bool used = false;
  };
  std::vector<Slot> slots_;
};

}  // namespace stagecast::whep
