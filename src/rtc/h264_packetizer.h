#pragma once
// H.264 access units as RTP payloads (RFC 6184, packetization-mode 1), for WHEP delivery of a
// stream that arrived as frames (RTMP, or a transcoded rung):
//
//  * a NAL unit that fits in `max_payload` is a single NAL unit packet (5.6);
//  * a larger one is split into FU-A fragments (5.8), the NAL header's F and NRI bits kept in the
//    FU indicator and its type in the FU header, S on the first and E on the last;
//  * before an IDR access unit that carries no SPS and PPS of its own, those of the decoder
//    configuration go first as one STAP-A (5.7.1), so a viewer that joins at a key frame can
//    decode it (RTMP carries the parameter sets only in the sequence header);
//  * access unit delimiters and filler data are left out (they carry nothing a receiver uses),
//    and so are NAL types 0 and 24..31 (unspecified in H.264; RFC 6184's own packet types).
//
// The marker bit belongs on the last packet of the access unit (5.1); the caller sets it, as it
// writes the RTP headers.

#include <cstddef>
#include <span>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace stagecast::rtc {

// 1200 bytes of RTP payload keep an SRTP packet under 1280 bytes of IPv6's minimum MTU with room
// for the header, an extension and the tag.
inline constexpr size_t kDefaultMaxRtpPayload = 1200;

struct H264ParameterSets {
  std::vector<Bytes> sps;  // NAL units without length prefixes or start codes
  std::vector<Bytes> pps;
};

// `access_unit`: 4-byte length-prefixed NAL units (MediaFrame's AVCC layout). Error
// "h264_malformed" when a length runs past the buffer; an access unit with nothing to send gives
// an empty vector.
Result<std::vector<Bytes>> packetize_h264(ByteSpan access_unit, const H264ParameterSets& sets,
                                          size_t max_payload = kDefaultMaxRtpPayload);

// The parameter sets alone, as the payloads that go before a key frame: one STAP-A, or each on
// its own when together they do not fit (for a forwarded key frame that came without them).
std::vector<Bytes> packetize_parameter_sets(const H264ParameterSets& sets,
                                            size_t max_payload = kDefaultMaxRtpPayload);

}  // namespace stagecast::rtc
