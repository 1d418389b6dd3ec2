#include "rtc/rtp_receive_stats.h"

#include <algorithm>
#include <cmath>

#include "rtc/rtp_packet.h"

namespace stagecast::rtc {

void RtpReceiveStats::on_packet(uint16_t sequence, uint32_t rtp_timestamp, TimePoint arrival) {
  if (!started_) {
    started_ = true;
    base_seq_ = max_seq_ = sequence;
    epoch_ = arrival;
  }
  const int64_t extended = unwrap_sequence(max_seq_, sequence);
  max_seq_ = std::max(max_seq_, extended);
  ++received_;
  // A.8: transit time in RTP units; only its changes matter, so any epoch does.
  const auto since = std::chrono::duration<double>(arrival - epoch_).count();
  const int64_t arrival_units = static_cast<int64_t>(since * clock_rate_);
  const int64_t transit = arrival_units - static_cast<int64_t>(rtp_timestamp);
  if (last_transit_) {
    // Differences of 32-bit timestamps: the wrap cancels out in 32-bit arithmetic.
    const auto d = static_cast<int32_t>(static_cast<uint32_t>(transit - *last_transit_));
    jitter_ += (std::abs(static_cast<double>(d)) - jitter_) / 16.0;
  }
  last_transit_ = transit;
}

void RtpReceiveStats::on_sender_report(uint64_t ntp, TimePoint arrival) {
  last_sr_ = ntp_compact(ntp);
  last_sr_arrival_ = arrival;
}

int64_t RtpReceiveStats::lost() const {
  if (!started_) return 0;
  return (max_seq_ - base_seq_ + 1) - static_cast<int64_t>(received_);
}

RtcpReportBlock RtpReceiveStats::report(TimePoint now) {
  RtcpReportBlock block;
  block.ssrc = ssrc_;
  if (!started_) return block;
  const int64_t expected = max_seq_ - base_seq_ + 1;
  const int64_t expected_interval = expected - expected_prior_;
  const int64_t received_interval = static_cast<int64_t>(received_ - received_prior_);
  expected_prior_ = expected;
  received_prior_ = received_;
  const int64_t lost_interval = expected_interval - received_interval;
  block.fraction_lost =
      (expected_interval <= 0 || lost_interval <= 0)
          ? 0
          : static_cast<uint8_t>(std::min<int64_t>(255, (lost_interval << 8) / expected_interval));
  // Signed 24 bits (duplicates can make it negative).
  block.cumulative_lost = static_cast<int32_t>(std::clamp<int64_t>(lost(), -0x800000, 0x7fffff));
  block.highest_sequence = static_cast<uint32_t>(max_seq_);
  block.jitter = static_cast<uint32_t>(jitter_);
  if (last_sr_) {
    block.last_sr = *last_sr_;
    const double delay = std::chrono::duration<double>(now - last_sr_arrival_).count();
    block.delay_since_last_sr = static_cast<uint32_t>(std::max(0.0, delay) * 65536.0);
  }
  return block;
}

}  // namespace stagecast::rtc
