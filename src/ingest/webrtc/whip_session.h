#pragma once
// One WHIP publisher (RFC 9725) after its offer was accepted: ICE-lite on the shared media port,
// DTLS-SRTP, then RTP in and RTCP feedback out, until the frames reach the stream's hub through
// its PublishLease.
//
//   ICE    a Binding request that passes ice_binding's checks makes a path; the nominated
//          (USE-CANDIDATE) path is where we send; consent expires 30 s after the last check on
//          it (RFC 7675 5.1), which ends the session.
//   DTLS   datagrams of a path go to DtlsTransport (we are the server); once connected, its keys
//          open an SrtpSession. A failed handshake ends the session.
//   RTP    unprotected, routed by payload type to the video or audio track: a reorder buffer
//          (NACK waits 150 ms for video, 60 ms for audio), then H.264 depacketising or Opus
//          framing, then AvTimeline (sender-report lip sync), then the hub: video directly,
//          audio through the AAC encoder stage (on a worker pool; its output is posted back).
//          Each released video packet also goes to the hub as it came, on the same timeline,
//          for WHEP viewers to forward (media::VideoRtpPacket); the Opus likewise.
//   RTCP   every second a receiver report and REMB (the configured bitrate ceiling); generic
//          NACK for the video's holes (each sequence number asked at most a few times); PLI at
//          the start, after loss NACK could not repair, and when no key frame came for the
//          key-frame interval (HLS segments start on key frames; browsers send one only when
//          asked). An RTCP BYE from the video's sender ends the session.
//
// Threading: everything runs on the media port's thread; other threads reach a session through
// post() (disconnect() does so itself).

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/metrics.h"
#include "ingest/live_stream_registry.h"
#include "ingest/webrtc/av_timeline.h"
#include "ingest/webrtc/h264_depacketizer.h"
#include "ingest/webrtc/whip_metrics.h"
#include "rtc/dtls_transport.h"
#include "rtc/ice_lite_paths.h"
#include "rtc/rtc_media_port.h"
#include "rtc/rtp_receive_stats.h"
#include "rtc/rtp_reorder_buffer.h"
#include "rtc/sdp_answer.h"
#include "rtc/srtp_session.h"

namespace stagecast::ingest::webrtc {

// Opus to AAC, off the media port's thread (app/ wires the transcode layer's encoder). push()
// returns at once; the AAC frames come back through the callback given at creation, on any
// thread, with timestamps on the same timeline as the Opus frames pushed.
class AacEncoderStage {
 public:
  virtual ~AacEncoderStage() = default;
  virtual void push(media::MediaFramePtr opus) = 0;
};
using AacEncoderFactory = std::function<std::unique_ptr<AacEncoderStage>(
    std::function<void(media::MediaFramePtr aac)> on_frame)>;

struct WhipSessionOptions {
  std::chrono::milliseconds consent_timeout{30'000};   // RFC 7675 5.1
  std::chrono::milliseconds connect_timeout{30'000};   // offer accepted -> DTLS connected
  std::chrono::milliseconds keyframe_interval{2'000};  // PLI when no key frame came for this long
  std::chrono::milliseconds min_pli_interval{500};
  uint64_t max_bitrate_bps = 6'000'000;  // REMB ceiling
  int max_nacks_per_packet = 4;
  std::chrono::milliseconds nack_retry{40};
  std::chrono::milliseconds report_wait{0};  // AvTimeline: start at once, correct later
};

class WhipSession final : public rtc::RtcPortSession,
                          public IngestPublisher,
                          public std::enable_shared_from_this<WhipSession> {
 public:
  struct Setup {
    std::string session_id;
    std::string stream_id;
    rtc::IceCredentials local_ice;
    rtc::NegotiatedOffer offer;
    std::unique_ptr<rtc::DtlsTransport> dtls;
    std::unique_ptr<PublishLease> lease;
    std::optional<media::AudioConfig> aac_config;  // what the encoder stage produces
    AacEncoderFactory aac_encoder;                 // may be empty: the audio is then dropped
    std::function<void(const std::string& session_id, const std::string& reason)> on_end;
  };

  WhipSession(rtc::RtcMediaPort& port, WhipMetrics& metrics, WhipSessionOptions options,
              Setup setup);
  ~WhipSession() override;

  // On the port's thread: registers with the port and starts the session's timer.
  void start();
  // On the port's thread: ends the session now (DELETE, shutdown, a failure).
  void stop(const std::string& reason);
  // On the port's thread, before start(): the lease the registry granted for this publisher.
  void adopt_lease(std::unique_ptr<PublishLease> lease) { setup_.lease = std::move(lease); }
  // On the port's thread: an ICE restart (RFC 8445 9; RFC 9725 4.3.2) with new local
  // credentials. The paths are forgotten until the publisher's checks pass again; DTLS and
  // SRTP carry on.
  void restart_ice(rtc::IceCredentials fresh);
  bool ended() const { return ended_; }

  const std::string& id() const { return setup_.session_id; }
  const std::string& stream_id() const { return setup_.stream_id; }

  // rtc::RtcPortSession
  const rtc::IceCredentials& local_ice() const override { return setup_.local_ice; }
  void on_binding(rtc::RtcPathId path, bool use_candidate) override;
  void on_packet(rtc::RtcPathId path, rtc::PacketKind kind, Bytes packet) override;
  void on_path_closed(rtc::RtcPathId path) override;

  // IngestPublisher: any thread.
  void disconnect(const std::string& reason) override;

 private:
  using TimePoint = std::chrono::steady_clock::time_point;
  struct Track {
    bool negotiated = false;
    int payload_type = -1;
    int clock_rate = 0;
    std::optional<uint32_t> ssrc;
    rtc::RtpReorderBuffer reorder;
    std::optional<rtc::RtpReceiveStats> stats;
    int64_t last_extended_ts = 0;
    bool have_ts = false;
  };

  void tick();
  void schedule_tick();
  void on_dtls(rtc::RtcPathId path, ByteSpan datagram, TimePoint now);
  void on_rtp(Bytes packet, TimePoint now);
  void on_rtcp(Bytes packet, TimePoint now);
  void count_srtp_failure(rtc::SrtpStatus status);
  void drain_video(TimePoint now);
  // Each video packet also goes to the hub as it came (media::VideoRtpPacket), for WHEP viewers.
  void forward_video_rtp(const rtc::RtpPacket& packet, bool after_loss);
  void drain_audio(TimePoint now);
  void emit(std::vector<media::MediaFramePtr>& frames);
  void publish_video(media::MediaFramePtr frame);
  void publish_audio(media::MediaFramePtr aac);
  bool publish_config_if_ready();
  void send_rtcp(Bytes packet);
  void send_nacks(TimePoint now);
  void maybe_send_pli(TimePoint now, bool requested);
  void send_reports(TimePoint now);

  rtc::RtcMediaPort& port_;
  WhipMetrics& metrics_;
  WhipSessionOptions options_;
  Setup setup_;
  boost::asio::steady_timer timer_;
  TimePoint created_;
  bool started_ = false;
  bool ended_ = false;

  rtc::IceLitePaths ice_;

  // DTLS-SRTP
  std::unique_ptr<rtc::SrtpSession> srtp_;

  // RTP
  uint32_t local_ssrc_ = 0;
  Track video_;
  Track audio_;
  H264Depacketizer depacketizer_;
  AvTimeline timeline_;
  std::unique_ptr<AacEncoderStage> encoder_;
  std::optional<media::VideoConfig> video_config_;
  bool config_published_ = false;
  std::vector<media::MediaFramePtr> waiting_config_;      // video before its configuration
  std::map<uint16_t, std::pair<int, TimePoint>> nacked_;  // sequence -> times asked, last
  struct {
    bool last_marker = false;
    bool lost = false;  // packets were lost, or not forwarded, since the last one forwarded
  } forward_;
  TimePoint last_keyframe_{};
  bool have_keyframe_ = false;
  TimePoint last_pli_{};
  bool pli_sent_ = false;
  TimePoint last_report_{};
  bool logged_alignment_ = false;
  bool logged_correction_ = false;
};

}  // namespace stagecast::ingest::webrtc
