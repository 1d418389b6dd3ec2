#pragma once
// RTP fixed header (RFC 3550 5.1) with CSRCs, the header extension (5.3.1) and its RFC 8285
// one-byte and two-byte element forms, and padding. A view: spans point into the parsed bytes.

#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace stagecast::rtc {

struct RtpHeaderExtension {
  uint8_t id = 0;
  ByteSpan value;
};

struct RtpPacket {
  uint8_t payload_type = 0;
  bool marker = false;
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
  std::vector<uint32_t> csrcs;
  uint16_t extension_profile = 0;              // 0 when the X bit is clear
  std::vector<RtpHeaderExtension> extensions;  // RFC 8285 elements (empty for other profiles)
  ByteSpan payload;                            // without padding
  uint8_t padding = 0;

  const RtpHeaderExtension* extension(uint8_t id) const;
};

// Refuses a version other than 2, a header, extension or padding running past the end, a
// padding count of zero, and malformed RFC 8285 elements.
Result<RtpPacket> parse_rtp_packet(ByteSpan bytes);

// Extends a 16-bit sequence number to 64 bits next to the last extended value (RFC 3550 A.1's
// idea without its probation): the nearer of the candidates either side of a wrap.
int64_t unwrap_sequence(int64_t last_extended, uint16_t sequence);

// The same for 32-bit RTP timestamps.
int64_t unwrap_timestamp(int64_t last_extended, uint32_t timestamp);

// What a sender writes: the fixed header without CSRCs or extensions, then the payload.
struct RtpHeaderFields {
  uint8_t payload_type = 0;
  bool marker = false;
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
};

inline constexpr size_t kRtpFixedHeaderSize = 12;

// Header then payload, with `tail_room` bytes reserved (not added) for the SRTP tag.
Bytes write_rtp_packet(const RtpHeaderFields& header, ByteSpan payload, size_t tail_room = 16);

}  // namespace stagecast::rtc
