#pragma once
// H.264 over RTP (RFC 6184), packetization-mode 1: single NAL unit packets (5.6), STAP-A (5.7.1)
// and FU-A (5.8), assembled into access units (the RTP marker bit ends one, 5.1; a new timestamp
// ends one whose marker was lost) and handed out as the MediaFrames the StreamHub takes: NAL
// units with 4-byte length prefixes (AVCC), the decoder configuration record built from the
// SPS/PPS the sender puts in-band, the keyframe flag on IDR access units, 90 kHz timestamps.
//
// Loss (a gap the reorder buffer gave up on) drops the access unit it touches, and everything up
// to the next IDR, and asks for a key frame (PLI): a decoder fed a frame that references a lost
// one shows corruption until the next IDR, and the HLS output must decode cleanly.
// Packets must arrive in sequence order (after RtpReorderBuffer). B-frames are not expected
// (WebRTC encoders do not use them), so dts = pts = the RTP timestamp.

#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.h"
#include "rtc/rtp_packet.h"
#include "media/media_frame.h"

namespace stagecast::ingest::webrtc {

struct H264DepacketizerLimits {
  size_t max_access_unit_bytes = 8 * 1024 * 1024;
  size_t max_nal_units = 512;
};

struct DepacketizedVideo {
  std::optional<media::VideoConfig> config;  // publish before `frame` (new or changed SPS/PPS)
  media::MediaFramePtr frame;
  int64_t rtp_timestamp = 0;  // extended (64-bit) RTP timestamp, for sender-report alignment
};

struct H264DepacketizerStats {
  uint64_t access_units = 0;
  uint64_t dropped_access_units = 0;  // damaged by loss, malformed, or waiting for a key frame
  uint64_t unsupported_packets = 0;   // STAP-B, MTAP, FU-B (interleaved mode) and NAL types 0, 30, 31
};

class H264Depacketizer {
 public:
  explicit H264Depacketizer(H264DepacketizerLimits limits = {}) : limits_(limits) {}

  // One RTP packet of the video stream. `after_loss`: packets were lost just before this one.
  void push(const rtc::RtpPacket& packet, bool after_loss, std::vector<DepacketizedVideo>& out);

  // True once since the last call when a key frame is needed (start, loss, or a bad packet):
  // the session then sends a PLI.
  bool take_keyframe_request();

  const H264DepacketizerStats& stats() const { return stats_; }

 private:
  void add_nal(ByteSpan nal);
  void damage();
  void flush(std::vector<DepacketizedVideo>& out);
  void handle_fu_a(const rtc::RtpPacket& packet);

  H264DepacketizerLimits limits_;
  H264DepacketizerStats stats_;

  // The access unit being assembled.
  bool have_au_ = false;
  uint32_t au_timestamp_ = 0;
  Bytes au_;  // AVCC
  size_t au_nals_ = 0;
  bool au_damaged_ = false;
  bool au_idr_ = false;

  // The FU-A being reassembled.
  bool in_fu_ = false;
  Bytes fu_;

  // Parameter sets and timeline.
  Bytes sps_, pps_;
  bool config_dirty_ = false;
  bool have_config_ = false;
  bool waiting_for_keyframe_ = true;
  bool keyframe_request_ = true;
  bool timeline_started_ = false;
  int64_t first_ts_ = 0;
  int64_t last_ts_ = 0;
};

}  // namespace stagecast::ingest::webrtc
