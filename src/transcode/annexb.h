#pragma once
// libx264 (through libavcodec) writes H.264 in the byte-stream format of ITU-T H.264 Annex B
// (start-code prefixed NAL units); our MediaFrame and CMAF want 4-byte length prefixes (AVCC,
// ISO/IEC 14496-15 5.3.3). These convert the encoder's output; they are bounds-checked like any
// parser even though the bytes come from our own encoder.

#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace stagecast::transcode {

// NAL units of an Annex B buffer (B.2: a NAL unit ends where the next 00 00 01 starts;
// trailing zero bytes belong to the next start code). Empty NAL units are skipped.
std::vector<ByteSpan> split_annexb(ByteSpan data);

// One access unit as AVCC with 4-byte lengths. SPS, PPS and AUD are left out: the parameter
// sets travel in the avcC of the rendition's configuration.
Bytes annexb_to_avcc(ByteSpan data);

// An AVCDecoderConfigurationRecord from the encoder's global header (its SPS and PPS).
Result<Bytes> avcc_record_from_annexb(ByteSpan headers);

}  // namespace stagecast::transcode
