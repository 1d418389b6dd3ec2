#pragma once
// Per-stream ingest health, as the Studio shows it: bitrate over the last seconds, frame rate,
// key frame interval, totals and codecs. IngestStatsMeter is fed by the publishing session and
// read from any thread.

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "media/media_frame.h"

namespace stagecast::ingest {

struct IngestStats {
  uint64_t video_frames = 0;
  uint64_t audio_frames = 0;
  uint64_t key_frames = 0;
  uint64_t bytes_received = 0;      // media payload bytes
  double bitrate_kbps = 0;          // audio + video over the meter's window
  double fps = 0;                   // video, from the timestamps in the window
  double keyframe_interval_s = 0;   // between the last two key frames; 0 until two were seen
  std::string video_codec;          // RFC 6381, e.g. "avc1.64001f"
  int width = 0;
  int height = 0;
  double announced_frame_rate = 0;  // what the encoder's metadata said
  std::string audio_codec;          // e.g. "mp4a.40.2"
  int sample_rate = 0;
  int channels = 0;
  uint32_t reconnects = 0;          // publishers that resumed within the grace period
  bool publisher_connected = false;
  int64_t live_since_unix_ms = 0;
  int64_t last_frame_unix_ms = 0;
};

class IngestStatsMeter {
 public:
  explicit IngestStatsMeter(const Clock& clock,
                            std::chrono::milliseconds window = std::chrono::seconds(5));

  void on_config(const media::StreamConfig& config);
  void on_frame(const media::MediaFrame& frame);
  void on_publisher(bool connected, bool resumed);

  IngestStats snapshot() const;

 private:
  struct Sample {
    int64_t at_ms;  // steady clock
    int64_t dts;
    uint32_t bytes;
    bool video;
  };
  void prune(int64_t now_ms) const;

  const Clock& clock_;
  const int64_t window_ms_;
  const int64_t started_ms_;
  mutable std::mutex mu_;
  mutable std::deque<Sample> window_;
  IngestStats totals_;
  int64_t last_key_dts_ = -1;
};

}  // namespace stagecast::ingest
