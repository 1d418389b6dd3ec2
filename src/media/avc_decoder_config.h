#pragma once
// AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1) and the length-prefixed NAL unit
// layout (AVCC) that FLV, MP4 and our MediaFrame use for H.264 access units.

#include <cstdint>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "media/h264_sps.h"

namespace stagecast::media {

struct AvcDecoderConfig {
  uint8_t profile_idc = 0;
  uint8_t profile_compat = 0;
  uint8_t level_idc = 0;
  uint8_t nal_length_size = 4;  // 1, 2 or 4
  std::vector<Bytes> sps;
  std::vector<Bytes> pps;
  H264SpsInfo sps_info;  // of the first SPS
};

// Parses the record and its first SPS; a record without an SPS or with an SPS that does not
// parse is refused, since nothing downstream could describe the stream.
Result<AvcDecoderConfig> parse_avc_decoder_config(ByteSpan record);

// Builds a record with 4-byte NAL lengths from parameter sets (used when a record announced
// shorter lengths and the frames are rewritten to 4 bytes).
Bytes build_avc_decoder_config(const AvcDecoderConfig& config);

// Splits an AVCC access unit into NAL units (each without its length prefix). Refuses a
// length field that runs past the buffer and empty NAL units.
Result<std::vector<ByteSpan>> split_avcc(ByteSpan access_unit, uint8_t nal_length_size = 4);

// Rewrites an access unit with `nal_length_size`-byte prefixes to 4-byte prefixes.
Result<Bytes> avcc_to_4byte_lengths(ByteSpan access_unit, uint8_t nal_length_size);

}  // namespace stagecast::media
