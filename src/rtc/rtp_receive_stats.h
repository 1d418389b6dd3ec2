#pragma once
// What a receiver report says about one incoming RTP stream (RFC 3550 6.4.1): the extended
// highest sequence number, cumulative and interval loss (A.3), interarrival jitter (A.8), and
// the LSR/DLSR pair that lets the sender measure the round trip. The clock is passed in.

#include <chrono>
#include <cstdint>
#include <optional>

#include "rtc/rtcp_packet.h"

namespace stagecast::rtc {

class RtpReceiveStats {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  explicit RtpReceiveStats(uint32_t ssrc, int clock_rate) : ssrc_(ssrc), clock_rate_(clock_rate) {}

  // Every packet as it arrives (before reordering).
  void on_packet(uint16_t sequence, uint32_t rtp_timestamp, TimePoint arrival);
  void on_sender_report(uint64_t ntp, TimePoint arrival);
  // The report block for now; starts the next interval.
  RtcpReportBlock report(TimePoint now);

  uint32_t ssrc() const { return ssrc_; }
  bool started() const { return started_; }
  uint64_t received() const { return received_; }
  int64_t lost() const;

 private:
  uint32_t ssrc_;
  int clock_rate_;
  bool started_ = false;
  int64_t base_seq_ = 0;
  int64_t max_seq_ = 0;  // extended
  uint64_t received_ = 0;
  int64_t expected_prior_ = 0;
  uint64_t received_prior_ = 0;
  double jitter_ = 0;
  std::optional<int64_t> last_transit_;
  TimePoint epoch_{};
  std::optional<uint32_t> last_sr_;
  TimePoint last_sr_arrival_{};
};

}  // namespace stagecast::rtc
