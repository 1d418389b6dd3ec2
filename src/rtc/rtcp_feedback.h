#pragma once
// RTCP we send: to a publisher, receiver reports (RFC 3550 6.4.2), Picture Loss
// Indication (RFC 4585 6.3.1, PSFB FMT 1), generic NACK (RFC 4585 6.2.1, RTPFB FMT 1) and REMB
// (draft-alvestrand-rmcat-remb, PSFB FMT 15); to a viewer, sender reports. Each builder returns one
// RTCP packet; a compound is their concatenation.

#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "rtc/rtcp_packet.h"

namespace stagecast::rtc {

Bytes build_receiver_report(uint32_t sender_ssrc, std::span<const RtcpReportBlock> blocks);

// A sender report without report blocks (RFC 3550 6.4.1): what a WHEP sender tells a viewer so
// that its audio and video line up (the NTP/RTP pair of each track on one wall clock).
Bytes build_sender_report(const RtcpSenderReport& report);

Bytes build_pli(uint32_t sender_ssrc, uint32_t media_ssrc);

// One FCI entry: a packet ID and a bitmask of the 16 following lost packets.
struct NackItem {
  uint16_t pid = 0;
  uint16_t blp = 0;
  bool operator==(const NackItem&) const = default;
};

// Packs lost sequence numbers (in any order, wrap-around included, duplicates ignored) into
// as few PID+BLP items as the RFC 4585 6.2.1 layout allows.
std::vector<NackItem> pack_nack_items(std::span<const uint16_t> lost);

// A generic NACK for `lost` (empty `lost`: an empty vector, nothing to send).
Bytes build_nack(uint32_t sender_ssrc, uint32_t media_ssrc, std::span<const uint16_t> lost);

// The sequence numbers a NACK's FCI names (for tests and for a later forwarder).
std::vector<uint16_t> parse_nack_fci(ByteSpan fci);

// REMB: the bitrate ceiling for the listed media SSRCs, as an 18-bit mantissa and 6-bit exponent.
Bytes build_remb(uint32_t sender_ssrc, uint64_t bitrate_bps, std::span<const uint32_t> ssrcs);

struct Remb {
  uint64_t bitrate_bps = 0;  // saturates at UINT64_MAX
  std::vector<uint32_t> ssrcs;
};
// The FCI of a PSFB FMT 15 packet: "REMB", the SSRC count, exponent and mantissa, the SSRCs.
// nullopt when it is not a well-formed REMB (another application-layer feedback, or truncated).
std::optional<Remb> parse_remb_fci(ByteSpan fci);

}  // namespace stagecast::rtc
