#include "ingest/webrtc/h264_depacketizer.h"

#include <memory>

#include "media/avc_decoder_config.h"
#include "media/h264_sps.h"
#include "rtc/h264_nal.h"

namespace stagecast::ingest::webrtc {

using rtc::h264::kFuA;
using rtc::h264::kStapA;

bool H264Depacketizer::take_keyframe_request() {
  const bool r = keyframe_request_;
  keyframe_request_ = false;
  return r;
}

void H264Depacketizer::damage() {
  au_damaged_ = true;
  in_fu_ = false;
  fu_.clear();
}

void H264Depacketizer::add_nal(ByteSpan nal) {
  if (nal.empty() || au_damaged_) return;
  const uint8_t type = media::h264_nal_type(nal);
  if (au_.size() + nal.size() + 4 > limits_.max_access_unit_bytes ||
      au_nals_ + 1 > limits_.max_nal_units) {
    damage();
    return;
  }
  if (type == static_cast<uint8_t>(media::H264NalType::Sps)) {
    if (!std::equal(sps_.begin(), sps_.end(), nal.begin(), nal.end())) {
      sps_.assign(nal.begin(), nal.end());
      config_dirty_ = true;
    }
  } else if (type == static_cast<uint8_t>(media::H264NalType::Pps)) {
    if (!std::equal(pps_.begin(), pps_.end(), nal.begin(), nal.end())) {
      pps_.assign(nal.begin(), nal.end());
      config_dirty_ = true;
    }
  } else if (type == static_cast<uint8_t>(media::H264NalType::AccessUnitDelimiter) || type == 12) {
    return;  // AUD and filler data have no place in AVCC samples
  } else if (type == static_cast<uint8_t>(media::H264NalType::IdrSlice)) {
    au_idr_ = true;
  }
  ByteWriter w(au_);
  w.u32be(static_cast<uint32_t>(nal.size()));
  w.bytes(nal);
  ++au_nals_;
}

void H264Depacketizer::flush(std::vector<DepacketizedVideo>& out) {
  if (!have_au_) return;
  const bool damaged = au_damaged_ || in_fu_ || au_.empty();
  have_au_ = false;
  in_fu_ = false;
  fu_.clear();
  Bytes data = std::move(au_);
  au_.clear();
  au_nals_ = 0;
  const bool idr = au_idr_;
  au_idr_ = false;
  au_damaged_ = false;

  if (damaged) {
    ++stats_.dropped_access_units;
    waiting_for_keyframe_ = true;
    keyframe_request_ = true;
    return;
  }
  DepacketizedVideo v;
  if (config_dirty_ && !sps_.empty() && !pps_.empty()) {
    auto sps = media::parse_h264_sps(sps_);
    if (sps) {
      media::AvcDecoderConfig record;
      record.profile_idc = sps->profile_idc;
      record.profile_compat = sps->constraint_flags;
      record.level_idc = sps->level_idc;
      record.sps = {sps_};
      record.pps = {pps_};
      record.sps_info = *sps;
      media::VideoConfig config;
      config.avcc = media::build_avc_decoder_config(record);
      config.width = sps->width;
      config.height = sps->height;
      config.profile_idc = sps->profile_idc;
      config.profile_compat = sps->constraint_flags;
      config.level_idc = sps->level_idc;
      v.config = std::move(config);
      have_config_ = true;
    }
    config_dirty_ = false;
  }
  if (!have_config_ || (waiting_for_keyframe_ && !idr)) {
    ++stats_.dropped_access_units;
    if (!idr) keyframe_request_ = keyframe_request_ || !have_config_;
    if (v.config) out.push_back(std::move(v));
    return;
  }
  waiting_for_keyframe_ = false;

  const int64_t ext = timeline_started_ ? rtc::unwrap_timestamp(last_ts_, au_timestamp_) : au_timestamp_;
  if (!timeline_started_) {
    timeline_started_ = true;
    first_ts_ = ext;
  }
  last_ts_ = ext;
  auto frame = std::make_shared<media::MediaFrame>();
  frame->kind = media::TrackKind::Video;
  frame->codec = media::Codec::H264;
  frame->dts = frame->pts = ext - first_ts_;  // the RTP clock of H.264 is 90 kHz (RFC 6184 5.1)
  frame->keyframe = idr;
  frame->data = std::move(data);
  v.frame = std::move(frame);
  v.rtp_timestamp = ext;
  ++stats_.access_units;
  out.push_back(std::move(v));
}

void H264Depacketizer::handle_fu_a(const rtc::RtpPacket& packet) {
  const ByteSpan p = packet.payload;
  if (p.size() < 3) {
    damage();
    return;
  }
  const uint8_t indicator = p[0];
  const uint8_t fu_header = p[1];
  const bool start = (fu_header & 0x80) != 0;
  const bool end = (fu_header & 0x40) != 0;
  if (start) {
    if (in_fu_) damage();  // the previous fragment never ended
    if (au_damaged_) return;
    in_fu_ = true;
    fu_.clear();
    fu_.push_back(static_cast<uint8_t>((indicator & 0xE0) | (fu_header & 0x1F)));
  } else if (!in_fu_) {
    damage();  // a middle or end fragment without its start: the start was lost
    return;
  }
  if (fu_.size() + p.size() > limits_.max_access_unit_bytes) {
    damage();
    return;
  }
  fu_.insert(fu_.end(), p.begin() + 2, p.end());
  if (end) {
    in_fu_ = false;
    add_nal(fu_);
    fu_.clear();
  }
}

void H264Depacketizer::push(const rtc::RtpPacket& packet, bool after_loss,
                            std::vector<DepacketizedVideo>& out) {
  if (have_au_ && packet.timestamp != au_timestamp_) flush(out);
  if (!have_au_) {
    have_au_ = true;
    au_timestamp_ = packet.timestamp;
  }
  if (after_loss) damage();

  const ByteSpan p = packet.payload;
  if (p.empty()) {
    // Padding-only packets (bandwidth probes) carry no NAL.
  } else if ((p[0] & 0x80) != 0) {
    damage();  // forbidden_zero_bit
  } else {
    const uint8_t type = p[0] & 0x1F;
    if (type >= 1 && type <= 23) {
      if (in_fu_) damage();
      add_nal(p);
    } else if (type == kStapA) {
      if (in_fu_) damage();
      ByteReader r(p.subspan(1));
      while (!r.empty()) {
        auto size = r.u16be();
        auto nal = size ? r.bytes(*size) : std::nullopt;
        if (!nal || nal->empty()) {
          damage();
          break;
        }
        add_nal(*nal);
      }
    } else if (type == kFuA) {
      handle_fu_a(packet);
    } else {
      ++stats_.unsupported_packets;
      damage();
    }
  }
  if (packet.marker) flush(out);
}

}  // namespace stagecast::ingest::webrtc
