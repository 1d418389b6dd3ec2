#include "rtc/rtp_reorder_buffer.h"

#include "rtc/rtp_packet.h"

namespace stagecast::rtc {

PushResult RtpReorderBuffer::push(uint16_t sequence, Bytes packet, Clock::time_point now) {
  if (!started_) {
    started_ = true;
    next_ = highest_ = sequence;
    packets_.emplace(next_, Slot{sequence, std::move(packet), now});
    return PushResult::Buffered;
  }
  const int64_t ext = unwrap_sequence(highest_, sequence);
  if (ext - next_ > options_.restart_distance || next_ - ext > options_.restart_distance) {
    // Whatever is buffered belongs to the old run and is given up with it.
    lost_ += packets_.size();
    packets_.clear();
    next_ = highest_ = ext;
    loss_pending_ = true;
    packets_.emplace(ext, Slot{sequence, std::move(packet), now});
    return PushResult::Restarted;
  }
  if (ext < next_) {
    ++late_;
    return PushResult::Late;
  }
  if (packets_.count(ext)) {
    ++duplicates_;
    return PushResult::Duplicate;
  }
  packets_.emplace(ext, Slot{sequence, std::move(packet), now});
  if (ext > highest_) highest_ = ext;
  return PushResult::Buffered;
}

void RtpReorderBuffer::release_in_order(std::vector<ReleasedPacket>& out) {
  while (!packets_.empty() && packets_.begin()->first == next_) {
    auto node = packets_.extract(packets_.begin());
    out.push_back({node.mapped().sequence, std::move(node.mapped().packet), loss_pending_});
    loss_pending_ = false;
    ++next_;
  }
}

void RtpReorderBuffer::pop_ready(Clock::time_point now, std::vector<ReleasedPacket>& out) {
  release_in_order(out);
  // Give up a hole when the packet behind it waited too long, or when the buffer is full.
  while (!packets_.empty() && (packets_.size() >= options_.capacity ||
                               now - packets_.begin()->second.arrival >= options_.max_wait)) {
    lost_ += static_cast<uint64_t>(packets_.begin()->first - next_);
    next_ = packets_.begin()->first;
    loss_pending_ = true;
    release_in_order(out);
  }
}

std::vector<uint16_t> RtpReorderBuffer::missing() const {
  std::vector<uint16_t> out;
  for (int64_t s = next_; s < highest_ && out.size() < options_.capacity; ++s) {
    if (!packets_.count(s)) out.push_back(static_cast<uint16_t>(s));
  }
  return out;
}

}  // namespace stagecast::rtc
