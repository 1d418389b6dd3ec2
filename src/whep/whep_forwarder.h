#pragma once
// WhepForwarder: the WebRTC side of one hub (DESIGN.md whep/): a stream's source, or one of its
// transcoded rungs. A MediaSink on that hub that hands the same RTP payloads to every viewer's
// WhepSession, which only rewrites the RTP header (SSRC, sequence number, timestamp):
//
//   forwarded    a WebRTC publisher's video (its configuration says rtp_forwarded) goes out as
//                its own packets' payloads, in the order its session released them, without
//                being packetised again; a key frame that came without its parameter sets gets
//                them first, as a STAP-A;
//   packetised   any other H.264 (RTMP, a transcoded rung) is packetised once per access unit
//                (RFC 6184, rtc/h264_packetizer).
//
// Timeline. RTP timestamps are the frames' 90 kHz presentation times, kept continuous across a
// publisher's reconnect (a discontinuity): the next frame follows the last one by a frame's
// duration instead of jumping, so a viewer's jitter buffer never sees time go backwards.
//
// B-frames: WebRTC has no picture reordering. A source whose presentation order differs from its
// decode order is still sent (in decode order, stamped by decode time) and counted; the Studio's
// recommended settings ask for none (docs/webrtc.md says what viewers then see).
//
// Threading: the hub calls on_config/on_frame/on_video_rtp/on_end on the publisher's thread; the
// forwarder
// posts each unit to the media port's thread, where the viewers live. add()/remove()/viewers()
// are for the port's thread only.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "media/stream_hub.h"
#include "rtc/h264_packetizer.h"
#include "whep/whep_session.h"

namespace stagecast::whep {

// AAC to Opus, off the publisher's and the port's threads (app/ wires the transcode layer's
// encoder on a worker pool). push() returns at once; the Opus packets come back through the
// callback given at creation, on any thread, with 90 kHz timestamps on the AAC's timeline.
class OpusEncoderStage {
 public:
  virtual ~OpusEncoderStage() = default;
  virtual void push(media::MediaFramePtr aac) = 0;
};
using OpusEncoderFactory = std::function<std::unique_ptr<OpusEncoderStage>(
    const media::AudioConfig& aac, std::function<void(media::MediaFramePtr opus)> on_packet)>;

class WhepForwarder final : public media::MediaSink,
                            public std::enable_shared_from_this<WhepForwarder> {
 public:
  // `opus` may be empty: the forwarder then sends video only.
  WhepForwarder(std::string stream_id, boost::asio::io_context& port_io, OpusEncoderFactory opus);
  ~WhepForwarder() override;

  // media::MediaSink (the publisher's thread)
  void on_config(const media::StreamConfig& config) override;
  void on_frame(const media::MediaFramePtr& frame) override;
  void on_discontinuity() override;
  void on_end() override;
  void on_opus(const media::MediaFramePtr& opus) override;
  void on_video_rtp(const media::VideoRtpPacketPtr& packet) override;

  // The port's thread.
  void add(std::shared_ptr<WhepSession> session);
  void remove(const std::string& session_id);
  size_t viewers() const { return sessions_.size(); }
  bool ended() const { return ended_; }
  // Called (on the port's thread) when the stream ended: every session is stopped first.
  std::function<void()> on_stream_end;

 private:
  // The RTP time of a video time: continuous across a publisher's reconnect.
  int64_t continuous_time(int64_t time);
  void post_video(std::shared_ptr<VideoUnit> unit);
  void deliver(const VideoUnitPtr& unit);
  void deliver_audio(const AudioUnitPtr& unit);
  void end_sessions();

  const std::string stream_id_;
  boost::asio::io_context& io_;
  const OpusEncoderFactory opus_factory_;

  // Publisher's thread.
  // Guards the parameter sets and the encoder stage (the hub gives a sink attached mid-stream
  // its configuration on the attaching thread).
  std::mutex mu_;
  std::shared_ptr<const rtc::H264ParameterSets> sets_;
  std::shared_ptr<OpusEncoderStage> opus_;  // made at the audio's configuration
  Bytes asc_;                               // the AudioSpecificConfig the encoder was made for
  bool native_opus_ = false;  // the publisher's own Opus comes (WHIP): no encoder, AAC ignored
  std::atomic<bool> rtp_video_{false};  // the publisher's video RTP comes: frames' video ignored
  bool have_last_ = false;
  int64_t last_pts_ = 0;        // of the last frame, before the shift
  int64_t last_output_ = 0;     // its RTP time (shifted)
  int64_t frame_ticks_ = 3000;  // the last frame's duration (30 fps until measured)
  int64_t shift_ = 0;
  bool discontinuity_ = false;
  bool warned_reordered_ = false;  // B-frames logged once

  // Port's thread.
  std::map<std::string, std::shared_ptr<WhepSession>> sessions_;
  bool ended_ = false;
};

}  // namespace stagecast::whep
