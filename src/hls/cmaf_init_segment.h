#pragma once
// The CMAF header (ISO/IEC 23000-19 7.3.2.1) of one rendition: ftyp + moov with one trak per
// media track and an mvex, no samples. Video is track 1 at 90 kHz, audio the next track at its
// sample rate; the fragment writer uses the same ids and timescales.

#include <cstdint>

#include "core/bytes.h"
#include "core/result.h"
#include "media/media_frame.h"

namespace stagecast::hls {

struct CmafTrackLayout {
  uint32_t video_track_id = 0;  // 0 when the rendition has no video
  uint32_t audio_track_id = 0;  // 0 when the rendition has no audio
  uint32_t audio_timescale = 0;

  bool has_video() const { return video_track_id != 0; }
  bool has_audio() const { return audio_track_id != 0; }
};

// Which tracks a configuration yields. Tracks whose configuration cannot be carried (an empty
// AVCDecoderConfigurationRecord, an AAC track without a sample rate, codecs other than H.264/AAC)
// are left out; the result has no track at all when nothing usable remains.
CmafTrackLayout cmaf_track_layout(const media::StreamConfig& config);

// The init segment for the tracks of cmaf_track_layout(config).
Result<Bytes> build_cmaf_init_segment(const media::StreamConfig& config);

}  // namespace stagecast::hls
