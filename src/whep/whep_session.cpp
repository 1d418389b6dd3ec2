#include "whep/whep_session.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/random.h"
#include "rtc/rtcp_feedback.h"
#include "rtc/rtcp_packet.h"
#include "rtc/rtp_packet.h"

namespace stagecast::whep {

using std::chrono::milliseconds;

namespace {

constexpr milliseconds kTick{50};
constexpr milliseconds kReportInterval{1000};

int64_t unix_millis_now() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint32_t random_u32() {
  const std::string id = random_id();  // hex digits of random bytes
  return static_cast<uint32_t>(std::stoul(id.substr(0, 8), nullptr, 16));
}

// The NTP timestamp (RFC 5905: seconds since 1900, 32.32 fixed point) of the system clock.
uint64_t ntp_now() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count();
  constexpr uint64_t kUnixToNtp = 2'208'988'800ULL;
  const uint64_t seconds = static_cast<uint64_t>(us / 1'000'000) + kUnixToNtp;
  const uint64_t fraction = (static_cast<uint64_t>(us % 1'000'000) << 32) / 1'000'000;
  return (seconds << 32) | fraction;
}

}  // namespace

WhepSession::WhepSession(rtc::RtcMediaPort& port, WhepMetrics& metrics, WhepSessionOptions options,
                         Setup setup)
    : port_(port),
      metrics_(metrics),
      options_(options),
      setup_(std::move(setup)),
      timer_(port.context()),
      created_(std::chrono::steady_clock::now()),
      ice_(created_),
      // RFC 3550 5.1: random initial sequence number and timestamp.
      sequence_(static_cast<uint16_t>(random_u32())),
      timestamp_offset_(random_u32()) {
  audio_.sequence = static_cast<uint16_t>(random_u32());
  audio_.timestamp_offset = random_u32();
}

WhepSession::~WhepSession() = default;

void WhepSession::start() {
  started_ = true;
  metrics_.sessions->add(1);
  metrics_.sessions_started->inc();
  port_.add_session(shared_from_this());
  schedule_tick();
}

void WhepSession::stop(const std::string& reason) {
  if (ended_) return;
  ended_ = true;
  timer_.cancel();
  if (setup_.dtls && ice_.selected()) {
    for (auto& datagram : setup_.dtls->close()) port_.send(*ice_.selected(), std::move(datagram));
  }
  port_.remove_session(setup_.local_ice.ufrag);
  if (started_) metrics_.sessions->add(-1);
  spdlog::info("whep {}: viewer {} left ({})", setup_.stream_id, setup_.session_id, reason);
  if (setup_.on_end) setup_.on_end(setup_.session_id, reason);
}

void WhepSession::restart_ice(rtc::IceCredentials fresh) {
  if (ended_) return;
  port_.remove_session(setup_.local_ice.ufrag);
  setup_.local_ice = std::move(fresh);
  ice_.reset(std::chrono::steady_clock::now());
  port_.add_session(shared_from_this());
}

void WhepSession::schedule_tick() {
  timer_.expires_after(kTick);
  timer_.async_wait([weak = weak_from_this()](auto ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->tick();
  });
}

void WhepSession::on_binding(rtc::RtcPathId path, bool use_candidate) {
  if (ended_) return;
  if (ice_.on_binding(path, use_candidate, std::chrono::steady_clock::now())) {
    spdlog::info("whep {}: viewer {} on {}", setup_.stream_id, setup_.session_id,
                 port_.describe(path));
  }
}

void WhepSession::on_path_closed(rtc::RtcPathId path) {
  ice_.on_path_closed(path, std::chrono::steady_clock::now());
}

void WhepSession::on_packet(rtc::RtcPathId path, rtc::PacketKind kind, Bytes packet) {
  if (ended_) return;
  switch (kind) {
    case rtc::PacketKind::Dtls:
      // As for WHIP: once connected, DTLS only from the selected path.
      if (srtp_ && !ice_.is_selected(path)) break;
      on_dtls(path, packet, std::chrono::steady_clock::now());
      break;
    case rtc::PacketKind::Rtcp:
      if (srtp_) on_rtcp(std::move(packet));
      break;
    default:
      break;  // a viewer sends no RTP we want (its receiver reports come as RTCP)
  }
}

void WhepSession::on_dtls(rtc::RtcPathId path, ByteSpan datagram, TimePoint now) {
  auto& dtls = *setup_.dtls;
  for (auto& out : dtls.receive(datagram, now)) port_.send(path, std::move(out));
  if (dtls.state() == rtc::DtlsState::Failed) {
    metrics_.dtls_failures->inc();
    stop(dtls.failure() ? dtls.failure()->code : "dtls_failed");
    return;
  }
  if (dtls.state() == rtc::DtlsState::Closed) {
    stop("dtls_closed");
    return;
  }
  if (dtls.state() == rtc::DtlsState::Connected && !srtp_) {
    // NACKs are answered with the cached packet itself: the same sequence number protected again.
    auto srtp = rtc::SrtpSession::create(*dtls.srtp_keys(), {.retransmits = true});
    if (!srtp) {
      metrics_.dtls_failures->inc();
      stop("srtp_setup_failed");
      return;
    }
    srtp_ = std::move(*srtp);
    spdlog::info("whep {}: viewer {} connected (DTLS-SRTP)", setup_.stream_id, setup_.session_id);
    if (setup_.on_keyframe_request) setup_.on_keyframe_request();  // a key frame to start on
  }
}

void WhepSession::on_rtcp(Bytes packet) {
  if (srtp_->unprotect_rtcp(packet) != rtc::SrtpStatus::Ok) return;
  auto compound = rtc::parse_rtcp_compound(packet);
  if (!compound) return;
  for (const auto& fb : compound->feedback) {
    if (fb.packet_type == rtc::rtcp_type::kPayloadFeedback && fb.format == 15) {
      // REMB names its media in the FCI (the media SSRC field is 0).
      auto remb = rtc::parse_remb_fci(fb.fci);
      if (remb && setup_.on_bandwidth &&
          (remb->ssrcs.empty() || std::find(remb->ssrcs.begin(), remb->ssrcs.end(),
                                            setup_.video_ssrc) != remb->ssrcs.end())) {
        setup_.on_bandwidth(remb->bitrate_bps);
      }
      continue;
    }
    if (fb.media_ssrc != setup_.video_ssrc) continue;
    if (fb.packet_type == rtc::rtcp_type::kRtpFeedback && fb.format == 1) {
      for (uint16_t sequence : rtc::parse_nack_fci(fb.fci)) retransmit(sequence);
    } else if (fb.packet_type == rtc::rtcp_type::kPayloadFeedback && fb.format == 1) {
      metrics_.plis_received->inc();
      if (setup_.on_keyframe_request) setup_.on_keyframe_request();
    }
  }
  for (const auto& bye : compound->byes) {
    (void)bye;
    stop("rtcp_bye");
    return;
  }
}

bool WhepSession::send_protected(Bytes packet) {
  if (srtp_->protect_rtp(packet) != rtc::SrtpStatus::Ok) return false;
  if (!port_.send(*ice_.selected(), std::move(packet))) {
    metrics_.send_dropped->inc();
    return false;
  }
  metrics_.rtp_sent->inc();
  return true;
}

void WhepSession::retransmit(uint16_t sequence) {
  if (!ice_.selected()) return;
  const RtpPacketCache::Entry* cached = cache_.get(sequence);
  if (!cached) {
    metrics_.nack_missed->inc();
    return;
  }
  if (send_protected(rtc::write_rtp_packet(cached->header, cached->payload))) {
    metrics_.retransmitted->inc();
  }
}

void WhepSession::send_video(const VideoUnitPtr& unit, Source from) {
  if (ended_ || !srtp_ || !ice_.selected()) return;
  if (from != source_ && !(from == pending_ && pending_ && unit->keyframe)) return;
  if (from == pending_) {
    // The new rendition's first key frame: it takes over from here (the same SSRC and sequence,
    // the same timeline: only the picture size may change, which the decoder handles at an IDR).
    source_ = pending_;
    pending_ = nullptr;
    waiting_keyframe_ = false;
    if (setup_.on_switched) setup_.on_switched();
  }
  const auto now = std::chrono::steady_clock::now();
  if (waiting_keyframe_) {
    if (!unit->keyframe) return;
    waiting_keyframe_ = false;
  }
  const uint32_t timestamp = unit->timestamp + timestamp_offset_;
  if (unit->after_loss && have_sent_) ++sequence_;  // the loss stays visible as a gap
  if (unit->forwarded) metrics_.rtp_forwarded->inc(unit->payloads.size());
  bool refused = false;
  for (size_t i = 0; i < unit->payloads.size(); ++i) {
    rtc::RtpHeaderFields h;
    h.payload_type = static_cast<uint8_t>(setup_.offer.video.payload_type);
    h.marker = i + 1 == unit->payloads.size() && unit->ends_frame;
    h.sequence = sequence_++;
    h.timestamp = timestamp;
    h.ssrc = setup_.video_ssrc;
    // The one copy of the payload per viewer: into the packet that SRTP protects in place.
    Bytes packet = rtc::write_rtp_packet(h, unit->payloads[i]);
    cache_.put(h, unit, unit->payloads[i]);
    ++packets_sent_;
    octets_sent_ += static_cast<uint32_t>(unit->payloads[i].size());
    if (!send_protected(std::move(packet))) {
      refused = true;
      break;
    }
  }
  last_timestamp_ = timestamp;
  last_sent_at_ = now;
  have_sent_ = true;
  if (refused) {
    // The rest of this picture and everything that refers to it is useless: start again at the
    // next key frame, and ask for one.
    waiting_keyframe_ = true;
    if (!refusing_) {
      refusing_since_ = now;
      if (setup_.on_congested) setup_.on_congested();
    }
    refusing_ = true;
    if (setup_.on_keyframe_request) setup_.on_keyframe_request();
  } else {
    refusing_ = false;
  }
}

void WhepSession::send_audio(const AudioUnitPtr& unit, Source from) {
  if (ended_ || !srtp_ || !ice_.selected() || !setup_.offer.audio || from != source_) return;
  rtc::RtpHeaderFields h;
  h.payload_type = static_cast<uint8_t>(setup_.offer.audio->payload_type);
  h.marker = !audio_.have_sent;  // RFC 7587 4.2: the first packet of a talkspurt
  h.sequence = audio_.sequence++;
  h.timestamp = unit->timestamp + audio_.timestamp_offset;
  h.ssrc = setup_.audio_ssrc;
  if (!send_protected(rtc::write_rtp_packet(h, unit->payload))) return;
  audio_.have_sent = true;
  audio_.last_timestamp = h.timestamp;
  audio_.last_sent_at = std::chrono::steady_clock::now();
  ++audio_.packets;
  audio_.octets += static_cast<uint32_t>(unit->payload.size());
}

void WhepSession::send_sender_reports(TimePoint now) {
  if (!ice_.selected()) return;
  // One wall clock for both tracks: each RTP time is extrapolated from its last packet to now,
  // which is what lines the audio up with the video in the browser (RFC 3550 6.4.1).
  const uint64_t ntp = ntp_now();
  auto report = [&](uint32_t ssrc, uint32_t last_ts, TimePoint last_at, int clock_khz,
                    uint32_t packets, uint32_t octets) {
    rtc::RtcpSenderReport sr;
    sr.ssrc = ssrc;
    sr.ntp_timestamp = ntp;
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::microseconds>(now - last_at).count();
    sr.rtp_timestamp = last_ts + static_cast<uint32_t>(elapsed * clock_khz / 1000);
    sr.packet_count = packets;
    sr.octet_count = octets;
    Bytes packet = rtc::build_sender_report(sr);
    if (srtp_->protect_rtcp(packet) != rtc::SrtpStatus::Ok) return;
    port_.send(*ice_.selected(), std::move(packet));
  };
  if (have_sent_) {
    report(setup_.video_ssrc, last_timestamp_, last_sent_at_, 90, packets_sent_, octets_sent_);
  }
  if (audio_.have_sent) {
    report(setup_.audio_ssrc, audio_.last_timestamp, audio_.last_sent_at, 48, audio_.packets,
           audio_.octets);
  }
}

void WhepSession::tick() {
  if (ended_) return;
  const auto now = std::chrono::steady_clock::now();
  auto& dtls = *setup_.dtls;
  if (dtls.state() == rtc::DtlsState::Connecting) {
    if (auto due = dtls.next_timeout(now); due && *due <= now && ice_.selected()) {
      for (auto& out : dtls.handle_timeout(now)) port_.send(*ice_.selected(), std::move(out));
    }
    if (dtls.state() == rtc::DtlsState::Failed) {
      metrics_.dtls_failures->inc();
      stop(dtls.failure() ? dtls.failure()->code : "dtls_failed");
      return;
    }
    if (now - created_ >= options_.connect_timeout) {
      stop(ice_.empty() ? "ice_timeout" : "dtls_timeout");
      return;
    }
  }
  if (ice_.consent_expired(now, options_.consent_timeout, srtp_ != nullptr)) {
    metrics_.consent_expired->inc();
    stop("consent_expired");
    return;
  }
  if (refusing_ && now - refusing_since_ >= options_.slow_timeout) {
    metrics_.slow_viewers->inc();
    stop("slow_viewer");
    return;
  }
  if (setup_.expires_at_ms != 0 && unix_millis_now() >= setup_.expires_at_ms) {
    metrics_.tokens_expired->inc();
    stop("token_expired");
    return;
  }
  if (srtp_ && now - last_report_ >= kReportInterval) {
    last_report_ = now;
    send_sender_reports(now);
    if (setup_.on_watching) setup_.on_watching();
  }
  schedule_tick();
}

}  // namespace stagecast::whep
