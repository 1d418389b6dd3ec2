#pragma once
// One WHEP viewer (draft-ietf-wish-whep) after its offer was accepted: ICE-lite on the shared
// media port, DTLS-SRTP (we are the DTLS server), then the stream's RTP out and the viewer's
// RTCP in.
//
//   Video  payloads come from the stream's WhepForwarder (a WebRTC publisher's own, or
//          packetised once per stream); each viewer rewrites the header with its own SSRC,
//          sequence numbers and timestamp offset, keeps the packet in its cache, and protects it.
//          A viewer starts on a key frame, and after a send it could not complete waits for the
//          next one. A publisher's loss shows as a gap in the sequence numbers (the viewer's
//          NACK finds nothing; its decoder asks for a key frame), never as a hidden splice.
//   RTCP   generic NACK is answered from the cache (RFC 4585 6.2.1); a PLI asks the forwarder for
//          a key frame (rate-limited there); a sender report every second maps the RTP clock to
//          the wall clock (RFC 3550 6.4.1).
//   Slow   a viewer whose path refuses packets (a full ICE-TCP queue) skips to the next key
//          frame; one that still refuses after `slow_timeout` is closed, never buffered.
//
// Threading: everything runs on the media port's thread; other threads reach a session through
// post().

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "rtc/dtls_transport.h"
#include "rtc/ice_lite_paths.h"
#include "rtc/rtc_media_port.h"
#include "rtc/sdp_answer.h"
#include "rtc/srtp_session.h"
#include "whep/rtp_packet_cache.h"
#include "whep/whep_metrics.h"

namespace stagecast::whep {

// RTP payloads of one video access unit, or (forwarded from a WebRTC publisher) of part of one,
// with its 90 kHz RTP timestamp on the stream's continuous timeline.
struct VideoUnit {
  std::vector<Bytes> payloads;
  uint32_t timestamp = 0;
  bool keyframe = false;    // begins a key frame: a viewer may start here
  bool ends_frame = true;   // the marker goes on the last payload
  bool after_loss = false;  // the publisher's packets before these were lost for good
  bool forwarded = false;   // the publisher's own payloads, not packetised here
};
using VideoUnitPtr = std::shared_ptr<const VideoUnit>;

// One Opus packet (RFC 7587) with its 48 kHz RTP timestamp.
struct AudioUnit {
  Bytes payload;
  uint32_t timestamp = 0;
};
using AudioUnitPtr = std::shared_ptr<const AudioUnit>;

struct WhepSessionOptions {
  std::chrono::milliseconds consent_timeout{30'000};  // RFC 7675 5.1
  std::chrono::milliseconds connect_timeout{30'000};  // offer accepted -> DTLS connected
  std::chrono::milliseconds slow_timeout{5'000};      // refusing packets this long: closed
};

class WhepSession final : public rtc::RtcPortSession,
                          public std::enable_shared_from_this<WhepSession> {
 public:
  struct Setup {
    std::string session_id;
    std::string stream_id;
    rtc::IceCredentials local_ice;
    rtc::NegotiatedOffer offer;
    std::unique_ptr<rtc::DtlsTransport> dtls;
    uint32_t video_ssrc = 0;
    uint32_t audio_ssrc = 0;
    std::function<void(const std::string& session_id, const std::string& reason)> on_end;
    std::function<void()> on_keyframe_request;  // a PLI, or a viewer waiting for a key frame
    // About once a second while media flows (the viewer is counted as watching).
    std::function<void()> on_watching;
    // Unix milliseconds when the viewer's playback token runs out; 0: never (a PUBLIC stream
    // open to anyone). A session not renewed by then ends ("token_expired").
    int64_t expires_at_ms = 0;
    // The viewer's receive estimate (REMB), each time it sends one.
    std::function<void(uint64_t bitrate_bps)> on_bandwidth;
    // Its path refused a packet (a full ICE-TCP queue): it cannot keep up with this rendition.
    std::function<void()> on_congested;
    // The session moved to the source it was switching to, at a key frame (switch_to()).
    std::function<void()> on_switched;
  };

  WhepSession(rtc::RtcMediaPort& port, WhepMetrics& metrics, WhepSessionOptions options,
              Setup setup);
  ~WhepSession() override;

  // On the port's thread.
  void start();
  void stop(const std::string& reason);
  // Media comes from a source (a WhepForwarder: the stream's source or one of its rungs). Only
  // the one followed is sent; one being switched to takes over at its first key frame.
  using Source = const void*;
  void follow(Source source) { source_ = source; }
  void switch_to(Source source) { pending_ = source == source_ ? nullptr : source; }
  Source source() const { return source_; }
  Source pending() const { return pending_; }
  void send_video(const VideoUnitPtr& unit, Source from);
  void send_audio(const AudioUnitPtr& unit, Source from);  // dropped unless audio was negotiated
  // An ICE restart with new local credentials: paths are forgotten until the viewer's checks
  // pass again; DTLS and SRTP carry on.
  void restart_ice(rtc::IceCredentials fresh);
  bool ended() const { return ended_; }
  // A renewed playback token moves the end of the session.
  void renew(int64_t expires_at_ms) { setup_.expires_at_ms = expires_at_ms; }

  const std::string& id() const { return setup_.session_id; }
  const std::string& stream_id() const { return setup_.stream_id; }

  // rtc::RtcPortSession
  const rtc::IceCredentials& local_ice() const override { return setup_.local_ice; }
  void on_binding(rtc::RtcPathId path, bool use_candidate) override;
  void on_packet(rtc::RtcPathId path, rtc::PacketKind kind, Bytes packet) override;
  void on_path_closed(rtc::RtcPathId path) override;

 private:
  using TimePoint = std::chrono::steady_clock::time_point;

  void schedule_tick();
  void tick();
  void on_dtls(rtc::RtcPathId path, ByteSpan datagram, TimePoint now);
  void on_rtcp(Bytes packet);
  bool send_protected(Bytes packet);
  void retransmit(uint16_t sequence);
  void send_sender_reports(TimePoint now);

  rtc::RtcMediaPort& port_;
  WhepMetrics& metrics_;
  WhepSessionOptions options_;
  Setup setup_;
  boost::asio::steady_timer timer_;
  TimePoint created_;
  rtc::IceLitePaths ice_;
  bool started_ = false;
  bool ended_ = false;
  std::unique_ptr<rtc::SrtpSession> srtp_;

  Source source_ = nullptr;
  Source pending_ = nullptr;

  // Video sending state.
  RtpPacketCache cache_;
  uint16_t sequence_;
  uint32_t timestamp_offset_;
  bool waiting_keyframe_ = true;
  bool have_sent_ = false;
  uint32_t last_timestamp_ = 0;  // of the last unit sent, with the offset
  TimePoint last_sent_at_{};
  uint32_t packets_sent_ = 0;
  uint32_t octets_sent_ = 0;
  // Audio sending state (no cache: a lost 20 ms of audio is concealed, not resent).
  struct AudioState {
    uint16_t sequence = 0;
    uint32_t timestamp_offset = 0;
    bool have_sent = false;
    uint32_t last_timestamp = 0;
    TimePoint last_sent_at{};
    uint32_t packets = 0;
    uint32_t octets = 0;
  } audio_;
  TimePoint refusing_since_{};
  bool refusing_ = false;
  TimePoint last_report_{};
};

}  // namespace stagecast::whep
