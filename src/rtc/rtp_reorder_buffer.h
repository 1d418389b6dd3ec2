#pragma once
// Puts one RTP stream's packets back into sequence order (RFC 3550 sequence numbers, 16-bit with
// wrap-around) before depacketising: duplicates and packets already released are dropped, a hole
// is waited for at most `max_wait` (the time NACK has to repair it) and at most `capacity`
// packets, then given up and reported as loss. The clock is passed in.

#include <chrono>
#include <cstdint>
#include <map>
#include <vector>

#include "core/bytes.h"

namespace stagecast::rtc {

struct ReorderBufferOptions {
  size_t capacity = 512;  // packets held behind a hole (about 0.5 s of 5 Mbit/s video)
  std::chrono::milliseconds max_wait{150};
  // A jump further than this (either way) is a restarted sender, not loss: start over.
  int64_t restart_distance = 3000;
};

enum class PushResult : uint8_t { Buffered, Duplicate, Late, Restarted };

struct ReleasedPacket {
  uint16_t sequence = 0;
  Bytes packet;
  bool after_loss = false;  // packets before this one were given up (or the stream restarted)
};

class RtpReorderBuffer {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RtpReorderBuffer(ReorderBufferOptions options = {}) : options_(options) {}

  PushResult push(uint16_t sequence, Bytes packet, Clock::time_point now);

  // Appends the packets that are ready, in order: the run that follows the last released one,
  // and past a hole once it waited too long or the buffer is full.
  void pop_ready(Clock::time_point now, std::vector<ReleasedPacket>& out);

  // The sequence numbers missing between the last released packet and the newest received one,
  // oldest first: what a NACK should ask for.
  std::vector<uint16_t> missing() const;

  size_t size() const { return packets_.size(); }
  uint64_t lost() const { return lost_; }
  uint64_t duplicates() const { return duplicates_; }
  uint64_t late() const { return late_; }

 private:
  struct Slot {
    uint16_t sequence;
    Bytes packet;
    Clock::time_point arrival;
  };
  void release_in_order(std::vector<ReleasedPacket>& out);

  ReorderBufferOptions options_;
  bool started_ = false;
  int64_t next_ = 0;     // extended sequence number of the next packet to release
  int64_t highest_ = 0;  // extended sequence number of the newest packet received
  bool loss_pending_ = false;
  std::map<int64_t, Slot> packets_;
  uint64_t lost_ = 0;
  uint64_t duplicates_ = 0;
  uint64_t late_ = 0;
};

}  // namespace stagecast::rtc
