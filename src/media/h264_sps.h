#pragma once
// H.264 sequence parameter set parsing (ITU-T H.264 7.3.2.1.1): just what a server needs to
// describe a stream (profile, level, coded picture size after cropping), never the whole VUI.

#include <cstdint>

#include "core/bytes.h"
#include "core/result.h"

namespace stagecast::media {

// NAL unit types used by the ingest path (H.264 Table 7-1).
enum class H264NalType : uint8_t {
  NonIdrSlice = 1,
  IdrSlice = 5,
  Sei = 6,
  Sps = 7,
  Pps = 8,
  AccessUnitDelimiter = 9,
};

inline uint8_t h264_nal_type(ByteSpan nal) { return nal.empty() ? 0 : (nal[0] & 0x1f); }

struct H264SpsInfo {
  uint8_t profile_idc = 0;
  uint8_t constraint_flags = 0;  // constraint_set0..5 flags byte, the "compat" of RFC 6381
  uint8_t level_idc = 0;
  uint32_t sps_id = 0;
  uint32_t chroma_format_idc = 1;
  bool frame_mbs_only = true;
  int width = 0;   // luma samples after the cropping window
  int height = 0;
};

// Removes emulation prevention bytes (0x000003 -> 0x0000, H.264 7.4.1).
Bytes h264_unescape_rbsp(ByteSpan nal_payload);

// `nal` is a whole SPS NAL unit including its one-byte header.
Result<H264SpsInfo> parse_h264_sps(ByteSpan nal);

}  // namespace stagecast::media
