#pragma once
// Turns the RTMP audio, video and metadata messages of one publishing connection into
// media::MediaFrames and a media::StreamConfig: FLV tag bodies (E.4.2/E.4.3 of the FLV
// specification), AVC sequence headers and NAL units, AAC AudioSpecificConfig and raw frames.
//
// The configuration is handed out together with the next frame that follows a change, so the
// video and audio sequence headers an encoder sends back to back reach the sinks as one config.

#include <cstdint>
#include <optional>
#include <string>

#include "core/bytes.h"
#include "core/result.h"
#include "ingest/rtmp/amf0.h"
#include "ingest/rtmp/rtmp_timestamps.h"
#include "media/media_frame.h"

namespace stagecast::ingest::rtmp {

struct DemuxedMedia {
  std::optional<media::StreamConfig> config;  // publish before `frame`
  media::MediaFramePtr frame;                 // null when the message carried no frame
};

// What onMetaData announced (informational: the bitstream has the last word).
struct StreamMetadata {
  double frame_rate = 0;
  int width = 0;
  int height = 0;
  double video_data_rate_kbps = 0;
  double audio_data_rate_kbps = 0;
  std::string encoder;
};

class RtmpMediaDemuxer {
 public:
  explicit RtmpMediaDemuxer(TimestampOptions timestamps = {}) : timestamps_(timestamps) {}

  // Errors describe a malformed or unsupported message; the message is dropped and the
  // connection may go on.
  Result<DemuxedMedia> on_video(uint32_t timestamp_ms, ByteSpan body);
  Result<DemuxedMedia> on_audio(uint32_t timestamp_ms, ByteSpan body);
  // `values` of an AMF0 data message: ["@setDataFrame",] "onMetaData", {object or ecma array}.
  void on_data(const std::vector<AmfValue>& values);

  const media::StreamConfig& config() const { return config_; }
  const StreamMetadata& metadata() const { return metadata_; }
  uint64_t timestamp_jumps() const { return timestamps_.jumps_smoothed(); }

 private:
  Result<void> set_video_config(ByteSpan record);
  Result<void> set_audio_config(ByteSpan asc);
  DemuxedMedia with_pending_config(media::MediaFramePtr frame);

  RtmpTimestampMapper timestamps_;
  media::StreamConfig config_;
  StreamMetadata metadata_;
  uint8_t nal_length_size_ = 4;
  bool config_dirty_ = false;
};

}  // namespace stagecast::ingest::rtmp
