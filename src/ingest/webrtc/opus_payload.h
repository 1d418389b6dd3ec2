#pragma once
// Opus over RTP (RFC 7587): each payload is exactly one Opus packet (RFC 6716 3) and the RTP
// clock is always 48 kHz whatever the encoder's internal rate (RFC 7587 4.1). The TOC byte gives
// the packet's duration, which the AAC re-encoding and the sender-report alignment need.

#include <cstdint>

#include "core/bytes.h"
#include "core/result.h"
#include "media/media_frame.h"

namespace stagecast::ingest::webrtc {

inline constexpr int64_t kOpusRtpClock = 48'000;

struct OpusPacketInfo {
  int frames = 0;
  int samples_per_frame = 0;  // at 48 kHz
  bool stereo = false;
  int duration_samples() const { return frames * samples_per_frame; }  // at 48 kHz
};

// RFC 6716 3.1 (TOC) and 3.2 (frame count codes 0-3); refuses an empty packet, a code 3 packet
// without its count byte, and packets over 120 ms (3.2.5).
Result<OpusPacketInfo> parse_opus_packet(ByteSpan payload);

// A 48 kHz (extended) RTP timestamp on the 90 kHz server clock.
inline int64_t opus_to_90khz(int64_t rtp_48k) { return rtp_48k * 15 / 8; }

// The MediaFrame of one Opus packet (codec Opus; transcoded to AAC before it reaches a sink).
media::MediaFramePtr make_opus_frame(ByteSpan payload, int64_t dts_90khz);

}  // namespace stagecast::ingest::webrtc
