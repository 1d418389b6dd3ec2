#pragma once
// StreamHub: one per live stream. The ingest session pushes frames in once; every attached sink
// receives the same shared immutable frame. Sinks that need another thread post the frame to
// their own executor from on_frame(); the hub never blocks and never locks on the media path
// except to copy the sink list when it changes.

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "media/media_frame.h"

namespace stagecast::media {

class MediaSink {
 public:
  virtual ~MediaSink() = default;
  // Called when the codec configuration is known or changes (new sequence header).
  virtual void on_config(const StreamConfig& config) = 0;
  virtual void on_frame(const MediaFramePtr& frame) = 0;
  // The publisher dropped and came back: timestamps restart, the packager marks a discontinuity.
  virtual void on_discontinuity() = 0;
  // The stream ended; no more frames follow.
  virtual void on_end() = 0;
  // A WebRTC publisher's own Opus packet (Codec::Opus, 90 kHz pts on the frames' timeline),
  // beside the AAC made from it that on_frame() carries: for sinks that can send Opus as it came
  // (WebRTC viewers). Ignored unless a sink wants it.
  virtual void on_opus(const MediaFramePtr& opus) { (void)opus; }
  // A WebRTC publisher's video RTP packet, beside the frames on_frame() carries (the video
  // configuration says rtp_forwarded): for sinks that forward RTP as it came. Ignored unless a
  // sink wants it.
  virtual void on_video_rtp(const VideoRtpPacketPtr& packet) { (void)packet; }
};

class StreamHub {
 public:
  explicit StreamHub(std::string stream_id) : stream_id_(std::move(stream_id)) {}

  const std::string& stream_id() const { return stream_id_; }

  void add_sink(std::shared_ptr<MediaSink> sink);
  void remove_sink(const MediaSink* sink);

  void publish_config(const StreamConfig& config);
  void publish_frame(MediaFramePtr frame);
  void publish_discontinuity();
  void publish_end();
  void publish_opus(MediaFramePtr opus);  // see MediaSink::on_opus
  void publish_video_rtp(VideoRtpPacketPtr packet);  // see MediaSink::on_video_rtp

  StreamConfig config() const;
  uint64_t frames_published() const;
  // Whether a video frame was presented out of decode order (B-frames): what WebRTC, which
  // has no reordering, cannot carry.
  bool reorders() const;
  // The video's bitrate over its last two seconds of media time (0 until measured).
  uint64_t video_bitrate_bps() const;

  // A viewer needs a key frame now (a WebRTC viewer's PLI). A publisher that can ask its
  // encoder for one (WHIP: a PLI of its own, rate-limited there) says how; others wait for the
  // next one. Any thread; `request` must return at once.
  void set_keyframe_request(std::function<void()> request);
  void request_keyframe();

 private:
  std::vector<std::shared_ptr<MediaSink>> sinks_snapshot() const;

  std::string stream_id_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<MediaSink>> sinks_;
  StreamConfig config_;
  uint64_t frames_ = 0;
  bool have_config_ = false;
  bool reorders_ = false;
  bool have_video_pts_ = false;
  int64_t last_video_pts_ = 0;
  // The video rate, measured over windows of media time (dts).
  bool window_open_ = false;
  int64_t window_start_dts_ = 0;
  uint64_t window_bytes_ = 0;
  uint64_t video_bitrate_bps_ = 0;
  std::function<void()> keyframe_request_;
};

// A sink that publishes what it is given into a hub: a stage's output (a transcoded rung) becomes
// a stream of its own that any number of sinks can follow.
class HubFeed final : public MediaSink {
 public:
  explicit HubFeed(std::shared_ptr<StreamHub> hub) : hub_(std::move(hub)) {}
  void on_config(const StreamConfig& config) override { hub_->publish_config(config); }
  void on_frame(const MediaFramePtr& frame) override { hub_->publish_frame(frame); }
  void on_discontinuity() override { hub_->publish_discontinuity(); }
  void on_end() override { hub_->publish_end(); }
  void on_opus(const MediaFramePtr& opus) override { hub_->publish_opus(opus); }
  void on_video_rtp(const VideoRtpPacketPtr& packet) override { hub_->publish_video_rtp(packet); }

 private:
  std::shared_ptr<StreamHub> hub_;
};

}  // namespace stagecast::media
