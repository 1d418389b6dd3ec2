#pragma once
// RTCP compound packets from a publisher (RFC 3550 6.4-6.6, RFC 4585 6.1 feedback headers):
// sender reports carry the NTP/RTP timestamp pair that aligns audio with video; receiver
// reports, SDES, APP and XR are recognised and skipped or kept as far as ingest needs them.

#include <cstdint>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace stagecast::rtc {

namespace rtcp_type {
inline constexpr uint8_t kSenderReport = 200;
inline constexpr uint8_t kReceiverReport = 201;
inline constexpr uint8_t kSdes = 202;
inline constexpr uint8_t kBye = 203;
inline constexpr uint8_t kApp = 204;
inline constexpr uint8_t kRtpFeedback = 205;  // RFC 4585: FMT 1 generic NACK
inline constexpr uint8_t kPayloadFeedback = 206;  // FMT 1 PLI, FMT 15 application layer (REMB)
inline constexpr uint8_t kExtendedReport = 207;
}  // namespace rtcp_type

struct RtcpReportBlock {
  uint32_t ssrc = 0;
  uint8_t fraction_lost = 0;
  int32_t cumulative_lost = 0;  // signed 24-bit
  uint32_t highest_sequence = 0;
  uint32_t jitter = 0;
  uint32_t last_sr = 0;
  uint32_t delay_since_last_sr = 0;
};

struct RtcpSenderReport {
  uint32_t ssrc = 0;
  uint64_t ntp_timestamp = 0;  // 32.32 fixed point seconds since 1900
  uint32_t rtp_timestamp = 0;
  uint32_t packet_count = 0;
  uint32_t octet_count = 0;
  std::vector<RtcpReportBlock> reports;
};

struct RtcpReceiverReport {
  uint32_t ssrc = 0;
  std::vector<RtcpReportBlock> reports;
};

struct RtcpBye {
  std::vector<uint32_t> ssrcs;
  std::string reason;
};

struct RtcpFeedback {
  uint8_t packet_type = 0;  // 205 or 206
  uint8_t format = 0;
  uint32_t sender_ssrc = 0;
  uint32_t media_ssrc = 0;
  Bytes fci;
};

struct RtcpCompound {
  std::vector<RtcpSenderReport> sender_reports;
  std::vector<RtcpReceiverReport> receiver_reports;
  std::vector<RtcpBye> byes;
  std::vector<RtcpFeedback> feedback;
  size_t skipped = 0;  // SDES, APP, XR and unknown types
};

// Walks every packet of the compound, each length checked against the bytes left, and refuses
// the whole datagram on the first malformed one (RFC 3550 A.2's validity checks, without the
// "first packet is SR or RR" rule, which reduced-size RTCP (RFC 5506) relaxes).
Result<RtcpCompound> parse_rtcp_compound(ByteSpan bytes);

// The middle 32 bits of an NTP timestamp: the LSR of a report block (RFC 3550 6.4.1).
inline uint32_t ntp_compact(uint64_t ntp) { return static_cast<uint32_t>(ntp >> 16); }

}  // namespace stagecast::rtc
