#pragma once
// One CMAF fragment (ISO/IEC 23000-19 7.3.2.3; boxes of ISO/IEC 14496-12 8.8): a moof with an
// mfhd and one traf per track (tfhd with default-base-is-moof, tfdt version 1, trun version 1 with
// signed composition offsets), followed by one mdat holding the tracks' samples in order.
// An LL-HLS part is one fragment; a segment is the concatenation of its parts.

#include <cstdint>
#include <span>
#include <vector>

#include "core/bytes.h"
#include "media/media_frame.h"

namespace stagecast::hls {

struct CmafSample {
  media::MediaFramePtr frame;      // payload: AVCC access unit or raw AAC frame
  uint32_t duration = 0;           // in the track's timescale
  int32_t composition_offset = 0;  // pts - dts in the track's timescale
  bool sync = true;
};

struct CmafTrackRun {
  uint32_t track_id = 0;
  bool video = false;
  uint64_t base_decode_time = 0;  // tfdt, in the track's timescale
  std::vector<CmafSample> samples;
};

// Tracks without samples are left out of the moof.
Bytes build_cmaf_fragment(uint32_t sequence_number, std::span<const CmafTrackRun> tracks);

// sample_flags (ISO/IEC 14496-12 8.8.3.1): a sync sample depends on no other; any other sample
// depends on others and is marked non-sync.
inline constexpr uint32_t kSyncSampleFlags = 0x02000000;
inline constexpr uint32_t kNonSyncSampleFlags = 0x01010000;

}  // namespace stagecast::hls
