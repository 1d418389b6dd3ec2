#include "media/stream_hub.h"

#include <algorithm>

namespace stagecast::media {

void StreamHub::add_sink(std::shared_ptr<MediaSink> sink) {
  StreamConfig config;
  bool have_config = false;
  {
    std::lock_guard lock(mu_);
    sinks_.push_back(sink);
    config = config_;
    have_config = have_config_;
  }
  // A sink attached mid-stream learns the codecs at once.
  if (have_config) sink->on_config(config);
}

void StreamHub::remove_sink(const MediaSink* sink) {
  std::lock_guard lock(mu_);
  std::erase_if(sinks_, [sink](const auto& s) { return s.get() == sink; });
}

std::vector<std::shared_ptr<MediaSink>> StreamHub::sinks_snapshot() const {
  std::lock_guard lock(mu_);
  return sinks_;
}

void StreamHub::publish_config(const StreamConfig& config) {
  {
    std::lock_guard lock(mu_);
    config_ = config;
    have_config_ = true;
  }
  for (auto& s : sinks_snapshot()) s->on_config(config);
}

void StreamHub::publish_frame(MediaFramePtr frame) {
  {
    std::lock_guard lock(mu_);
    ++frames_;
    if (frame->kind == TrackKind::Video) {
      // Presented before the picture decoded ahead of it: B-frames (a constant composition
      // offset alone is not reordering).
      if (have_video_pts_ && frame->pts < last_video_pts_) reorders_ = true;
      last_video_pts_ = frame->pts;
      have_video_pts_ = true;
      if (!window_open_ || frame->dts < window_start_dts_) {
        window_open_ = true;
        window_start_dts_ = frame->dts;
        window_bytes_ = 0;
      }
      window_bytes_ += frame->data.size();
      if (const int64_t span = frame->dts - window_start_dts_; span >= 2 * kTimescale) {
        video_bitrate_bps_ = window_bytes_ * 8 * kTimescale / static_cast<uint64_t>(span);
        window_start_dts_ = frame->dts;
        window_bytes_ = 0;
      }
    }
  }
  for (auto& s : sinks_snapshot()) s->on_frame(frame);
}

void StreamHub::publish_discontinuity() {
  {
    std::lock_guard lock(mu_);
    have_video_pts_ = false;  // timestamps restart
    window_open_ = false;
  }
  for (auto& s : sinks_snapshot()) s->on_discontinuity();
}

uint64_t StreamHub::video_bitrate_bps() const {
  std::lock_guard lock(mu_);
  return video_bitrate_bps_;
}

bool StreamHub::reorders() const {
  std::lock_guard lock(mu_);
  return reorders_;
}

void StreamHub::set_keyframe_request(std::function<void()> request) {
  std::lock_guard lock(mu_);
  keyframe_request_ = std::move(request);
}

void StreamHub::request_keyframe() {
  std::function<void()> request;
  {
    std::lock_guard lock(mu_);
    request = keyframe_request_;
  }
  if (request) request();
}

void StreamHub::publish_opus(MediaFramePtr opus) {
  for (auto& s : sinks_snapshot()) s->on_opus(opus);
}

void StreamHub::publish_video_rtp(VideoRtpPacketPtr packet) {
  for (auto& s : sinks_snapshot()) s->on_video_rtp(packet);
}

void StreamHub::publish_end() {
  for (auto& s : sinks_snapshot()) s->on_end();
}

StreamConfig StreamHub::config() const {
  std::lock_guard lock(mu_);
  return config_;
}

uint64_t StreamHub::frames_published() const {
  std::lock_guard lock(mu_);
  return frames_;
}

}  // namespace stagecast::media
