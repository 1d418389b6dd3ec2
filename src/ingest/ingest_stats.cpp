#include "ingest/ingest_stats.h"

#include <algorithm>

namespace stagecast::ingest {
namespace {

int64_t steady_ms(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.steady_now().time_since_epoch())
      .count();
}

}  // namespace

IngestStatsMeter::IngestStatsMeter(const Clock& clock, std::chrono::milliseconds window)
    : clock_(clock), window_ms_(std::max<int64_t>(window.count(), 1)), started_ms_(steady_ms(clock)) {
  totals_.live_since_unix_ms = clock.unix_millis();
}

void IngestStatsMeter::on_config(const media::StreamConfig& config) {
  std::lock_guard lock(mu_);
  if (config.video) {
    totals_.video_codec = config.video->codec_string();
    totals_.width = config.video->width;
    totals_.height = config.video->height;
    totals_.announced_frame_rate = config.video->frame_rate;
  }
  if (config.audio) {
    totals_.audio_codec = config.audio->codec_string();
    totals_.sample_rate = config.audio->sample_rate;
    totals_.channels = config.audio->channels;
  }
}

void IngestStatsMeter::on_frame(const media::MediaFrame& frame) {
  const int64_t now = steady_ms(clock_);
  const int64_t wall = clock_.unix_millis();
  std::lock_guard lock(mu_);
  const bool video = frame.kind == media::TrackKind::Video;
  totals_.bytes_received += frame.data.size();
  totals_.last_frame_unix_ms = wall;
  if (video) {
    ++totals_.video_frames;
    if (frame.keyframe) {
      ++totals_.key_frames;
      if (last_key_dts_ >= 0 && frame.dts > last_key_dts_) {
        totals_.keyframe_interval_s = static_cast<double>(frame.dts - last_key_dts_) / media::kTimescale;
      }
      last_key_dts_ = frame.dts;
    }
  } else {
    ++totals_.audio_frames;
  }
  window_.push_back(Sample{now, frame.dts, static_cast<uint32_t>(frame.data.size()), video});
  prune(now);
}

void IngestStatsMeter::on_publisher(bool connected, bool resumed) {
  std::lock_guard lock(mu_);
  totals_.publisher_connected = connected;
  if (resumed) {
    ++totals_.reconnects;
    // Timestamps restart with a new publisher: the key frame interval starts over.
    last_key_dts_ = -1;
    window_.clear();
  }
}

void IngestStatsMeter::prune(int64_t now_ms) const {
  while (!window_.empty() && window_.front().at_ms < now_ms - window_ms_) window_.pop_front();
}

IngestStats IngestStatsMeter::snapshot() const {
  const int64_t now = steady_ms(clock_);
  std::lock_guard lock(mu_);
  prune(now);
  IngestStats s = totals_;
  uint64_t bytes = 0;
  int64_t first_video_dts = -1;
  int64_t last_video_dts = -1;
  uint64_t video_in_window = 0;
  for (const auto& sample : window_) {
    bytes += sample.bytes;
    if (sample.video) {
      if (first_video_dts < 0) first_video_dts = sample.dts;
      last_video_dts = sample.dts;
      ++video_in_window;
    }
  }
  // Early in a stream the window is not full yet: divide by the time actually covered.
  const int64_t span_ms = std::clamp<int64_t>(now - started_ms_, 1, window_ms_);
  s.bitrate_kbps = static_cast<double>(bytes) * 8.0 / static_cast<double>(span_ms);
  if (video_in_window >= 2 && last_video_dts > first_video_dts) {
    s.fps = static_cast<double>(video_in_window - 1) * media::kTimescale /
            static_cast<double>(last_video_dts - first_video_dts);
  }
  return s;
}

}  // namespace stagecast::ingest
