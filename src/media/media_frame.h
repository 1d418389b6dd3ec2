#pragma once
// The one frame model every protocol module speaks: ingest produces MediaFrames, every sink
// (HLS packager, transcoder, recorder) consumes the same immutable, reference-counted frame.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/bytes.h"

namespace stagecast::media {

// All timestamps inside the server are in a 90 kHz clock.
inline constexpr int64_t kTimescale = 90'000;

enum class TrackKind : uint8_t { Video, Audio };
enum class Codec : uint8_t { H264, Aac, Opus };

struct MediaFrame {
  TrackKind kind = TrackKind::Video;
  Codec codec = Codec::H264;
  int64_t dts = 0;  // 90 kHz, monotonic per track after ingest fixes wraps and jumps
  int64_t pts = 0;  // 90 kHz (dts + composition time offset for video)
  bool keyframe = false;
  // H.264: access unit as 4-byte length-prefixed NAL units (AVCC), without SPS/PPS in-band
  //        unless the encoder sent them; AAC: one raw access unit (no ADTS header).
  Bytes data;
};
using MediaFramePtr = std::shared_ptr<const MediaFrame>;

// One RTP packet of a WebRTC publisher's H.264 video: its payload (RFC 6184, the RTP header and
// padding removed), in sequence order after the publisher's session recovered what it could.
// Sinks that send RTP themselves (WHEP viewers of the source) forward it as it came instead of
// packetising the frame again (MediaSink::on_video_rtp).
struct VideoRtpPacket {
  Bytes payload;
  int64_t time = 0;         // 90 kHz on the frames' timeline: the pts of its access unit
  bool marker = false;      // the last packet of its access unit
  bool keyframe = false;    // the first packet of a key frame's access unit: a viewer may start
  bool after_loss = false;  // packets just before it were lost for good
};
using VideoRtpPacketPtr = std::shared_ptr<const VideoRtpPacket>;

// Codec configuration of a track, as carried by the sequence headers.
struct VideoConfig {
  Codec codec = Codec::H264;
  Bytes avcc;  // AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.2.4.1)
  int width = 0;
  int height = 0;
  uint8_t profile_idc = 0;
  uint8_t profile_compat = 0;
  uint8_t level_idc = 0;
  double frame_rate = 0;  // from onMetaData or measured; 0 when unknown
  // The publisher forwards this video's RTP packets too (VideoRtpPacket): sinks that send RTP
  // take those, not the frames.
  bool rtp_forwarded = false;
  std::string codec_string() const;  // RFC 6381, e.g. "avc1.64001f"
};

struct AudioConfig {
  Codec codec = Codec::Aac;
  Bytes asc;  // AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1)
  int sample_rate = 0;
  int channels = 0;
  uint8_t object_type = 2;  // AAC-LC
  std::string codec_string() const;  // e.g. "mp4a.40.2"
};

struct StreamConfig {
  std::optional<VideoConfig> video;
  std::optional<AudioConfig> audio;
};

}  // namespace stagecast::media
