#pragma once
// FLV audio and video tag bodies (Adobe FLV and F4V file format specification v10.1, E.4.2.1
// AUDIODATA / AACAUDIODATA and E.4.3.1 VIDEODATA / AVCVIDEOPACKET). RTMP audio (8) and video (9)
// messages carry exactly these bodies.

#include <cstdint>
#include <optional>

#include "core/bytes.h"
#include "core/result.h"

namespace stagecast::media {

inline constexpr uint8_t kFlvCodecAvc = 7;
inline constexpr uint8_t kFlvSoundFormatAac = 10;

enum class FlvFrameType : uint8_t {
  Key = 1,
  Inter = 2,
  DisposableInter = 3,
  GeneratedKey = 4,
  Command = 5,  // video info / command frame, carries no picture
};

enum class AvcPacketType : uint8_t { SequenceHeader = 0, Nalu = 1, EndOfSequence = 2 };
enum class AacPacketType : uint8_t { SequenceHeader = 0, Raw = 1 };

struct FlvVideoTag {
  uint8_t frame_type = 0;
  uint8_t codec_id = 0;
  // Enhanced RTMP (the "ExVideoTagHeader" of the enhanced RTMP spec, HEVC/AV1): recognised, so
  // the caller can refuse it clearly, not parsed further.
  bool enhanced = false;
  std::optional<AvcPacketType> avc_packet_type;  // set when codec_id is AVC
  int32_t composition_time_ms = 0;               // signed 24-bit, AVC only
  ByteSpan payload;  // AVC: the record or the AVCC NAL units; otherwise the codec data

  bool keyframe() const {
    return frame_type == static_cast<uint8_t>(FlvFrameType::Key) ||
           frame_type == static_cast<uint8_t>(FlvFrameType::GeneratedKey);
  }
};

struct FlvAudioTag {
  uint8_t sound_format = 0;
  uint8_t sound_rate = 0;  // 0 = 5.5 kHz .. 3 = 44 kHz (AAC always says 3)
  uint8_t sound_size = 0;  // 0 = 8 bit, 1 = 16 bit
  uint8_t sound_type = 0;  // 0 = mono, 1 = stereo
  std::optional<AacPacketType> aac_packet_type;  // set when sound_format is AAC
  ByteSpan payload;
};

// The returned payload points into `body`.
Result<FlvVideoTag> parse_flv_video_tag(ByteSpan body);
Result<FlvAudioTag> parse_flv_audio_tag(ByteSpan body);

}  // namespace stagecast::media
