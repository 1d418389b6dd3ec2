#include "ingest/webrtc/whip_session.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "ingest/webrtc/opus_payload.h"
#include "rtc/h264_payload_info.h"
#include "rtc/rtcp_feedback.h"
#include "rtc/rtcp_packet.h"
#include "rtc/rtp_packet.h"

namespace stagecast::ingest::webrtc {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds kTick{20};
constexpr milliseconds kReportInterval{1000};
constexpr size_t kMaxWaitingConfig = 120;

}  // namespace

WhipSession::WhipSession(rtc::RtcMediaPort& port, WhipMetrics& metrics, WhipSessionOptions options,
                         Setup setup)
    : port_(port),
      metrics_(metrics),
      options_(options),
      setup_(std::move(setup)),
      timer_(port.context()),
      created_(std::chrono::steady_clock::now()),
      ice_(created_),
      timeline_(AvTimelineOptions{.has_audio = setup_.offer.audio.has_value() &&
                                               setup_.aac_encoder && setup_.aac_config.has_value(),
                                  .report_wait = options.report_wait}) {
  // Our RTCP's sender SSRC: any value other than the publisher's (RFC 3550 8.1); the session id's
  // bytes will do.
  for (char c : setup_.session_id.substr(0, 8))
    local_ssrc_ = local_ssrc_ * 31 + static_cast<uint8_t>(c);
  if (local_ssrc_ == 0) local_ssrc_ = 1;
  video_.negotiated = true;
  video_.payload_type = setup_.offer.video.payload_type;
  video_.clock_rate = setup_.offer.video.clock_rate;
  if (setup_.offer.audio) {
    audio_.negotiated = true;
    audio_.payload_type = setup_.offer.audio->payload_type;
    audio_.clock_rate = setup_.offer.audio->clock_rate;
    // Audio is not NACKed: a hole is concealed, so it waits only for reordering.
    audio_.reorder = rtc::RtpReorderBuffer({.capacity = 64, .max_wait = milliseconds(60)});
  }
}

WhipSession::~WhipSession() = default;

void WhipSession::start() {
  started_ = true;
  metrics_.sessions->add(1);
  metrics_.sessions_started->inc();
  if (audio_.negotiated && setup_.aac_encoder && setup_.aac_config) {
    std::weak_ptr<WhipSession> weak = shared_from_this();
    asio::io_context& io = port_.context();
    encoder_ = setup_.aac_encoder([weak, &io](media::MediaFramePtr aac) {
      asio::post(io, [weak, aac = std::move(aac)]() mutable {
        if (auto self = weak.lock()) self->publish_audio(std::move(aac));
      });
    });
  }
  if (setup_.lease) {
    // WebRTC viewers' PLIs reach our publisher as ours (maybe_send_pli rate-limits them).
    std::weak_ptr<WhipSession> weak = shared_from_this();
    setup_.lease->hub()->set_keyframe_request([weak, &io = port_.context()] {
      asio::post(io, [weak] {
        auto self = weak.lock();
        if (!self || self->ended_) return;
        self->metrics_.viewer_keyframe_requests->inc();
        self->maybe_send_pli(std::chrono::steady_clock::now(), true);
      });
    });
  }
  port_.add_session(shared_from_this());
  schedule_tick();
}

void WhipSession::stop(const std::string& reason) {
  if (ended_) return;
  ended_ = true;
  timer_.cancel();
  if (setup_.dtls && ice_.selected()) {
    for (auto& datagram : setup_.dtls->close()) port_.send(*ice_.selected(), std::move(datagram));
  }
  port_.remove_session(setup_.local_ice.ufrag);
  encoder_.reset();
  // Releasing the lease tells the registry the publisher dropped: the reconnect grace period
  // runs, as for an RTMP publisher that disconnects.
  setup_.lease.reset();
  if (started_) metrics_.sessions->add(-1);
  spdlog::info("whip {}: session {} ended ({})", setup_.stream_id, setup_.session_id, reason);
  if (setup_.on_end) setup_.on_end(setup_.session_id, reason);
}

void WhipSession::restart_ice(rtc::IceCredentials fresh) {
  if (ended_) return;
  port_.remove_session(setup_.local_ice.ufrag);
  setup_.local_ice = std::move(fresh);
  // Consent restarts with the new credentials: the checks have a fresh 30 s to arrive.
  ice_.reset(std::chrono::steady_clock::now());
  port_.add_session(shared_from_this());
}

void WhipSession::disconnect(const std::string& reason) {
  std::weak_ptr<WhipSession> weak = weak_from_this();
  asio::post(port_.context(), [weak, reason] {
    if (auto self = weak.lock()) self->stop(reason);
  });
}

void WhipSession::schedule_tick() {
  timer_.expires_after(kTick);
  timer_.async_wait([weak = weak_from_this()](auto ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->tick();
  });
}

void WhipSession::on_binding(rtc::RtcPathId path, bool use_candidate) {
  if (ended_) return;
  if (ice_.on_binding(path, use_candidate, std::chrono::steady_clock::now())) {
    spdlog::info("whip {}: session {} on {}", setup_.stream_id, setup_.session_id,
                 port_.describe(path));
  }
}

void WhipSession::on_path_closed(rtc::RtcPathId path) {
  ice_.on_path_closed(path, std::chrono::steady_clock::now());
}

void WhipSession::on_packet(rtc::RtcPathId path, rtc::PacketKind kind, Bytes packet) {
  if (ended_) return;
  const auto now = std::chrono::steady_clock::now();
  switch (kind) {
    case rtc::PacketKind::Dtls:
      // Once connected, DTLS is taken only from the selected path: a stray or forged record from
      // another path that passed a check must not end the session (a malformed record fails the
      // transport for good).
      if (srtp_ && !ice_.is_selected(path)) {
        metrics_.dtls_dropped->inc();
        break;
      }
      on_dtls(path, packet, now);
      break;
    case rtc::PacketKind::Rtp:
      if (srtp_) on_rtp(std::move(packet), now);
      break;
    case rtc::PacketKind::Rtcp:
      if (srtp_) on_rtcp(std::move(packet), now);
      break;
    default:
      break;
  }
}

void WhipSession::on_dtls(rtc::RtcPathId path, ByteSpan datagram, TimePoint now) {
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
    auto srtp = rtc::SrtpSession::create(*dtls.srtp_keys());
    if (!srtp) {
      metrics_.dtls_failures->inc();
      stop("srtp_setup_failed");
      return;
    }
    srtp_ = std::move(*srtp);
    spdlog::info("whip {}: session {} connected (DTLS-SRTP)", setup_.stream_id, setup_.session_id);
    maybe_send_pli(now, true);  // a key frame to start on
    send_reports(now);
  }
}

void WhipSession::count_srtp_failure(rtc::SrtpStatus status) {
  (status == rtc::SrtpStatus::AuthFailed ? metrics_.srtp_auth_failed
   : status == rtc::SrtpStatus::Replayed ? metrics_.srtp_replayed
                                         : metrics_.srtp_other)
      ->inc();
}

void WhipSession::on_rtp(Bytes packet, TimePoint now) {
  const rtc::SrtpStatus status = srtp_->unprotect_rtp(packet);
  if (status != rtc::SrtpStatus::Ok) {
    count_srtp_failure(status);
    return;
  }
  auto parsed = rtc::parse_rtp_packet(packet);
  if (!parsed) return;
  metrics_.rtp_packets->inc();
  Track* track = nullptr;
  if (parsed->payload_type == video_.payload_type) {
    track = &video_;
  } else if (audio_.negotiated && parsed->payload_type == audio_.payload_type) {
    track = &audio_;
  } else {
    return;  // a payload type we did not answer (RTX, FEC): ignored
  }
  if (!track->ssrc) {
    track->ssrc = parsed->ssrc;
    track->stats.emplace(parsed->ssrc, track->clock_rate);
  } else if (*track->ssrc != parsed->ssrc) {
    return;  // one SSRC per track; simulcast layers are not taken
  }
  track->stats->on_packet(parsed->sequence, parsed->timestamp, now);
  const uint16_t sequence = parsed->sequence;
  track->reorder.push(sequence, std::move(packet), now);
  if (track == &video_) {
    nacked_.erase(sequence);
    drain_video(now);
  } else {
    drain_audio(now);
  }
}

void WhipSession::drain_video(TimePoint now) {
  std::vector<rtc::ReleasedPacket> ready;
  const uint64_t lost_before = video_.reorder.lost();
  video_.reorder.pop_ready(now, ready);
  metrics_.packets_lost->inc(video_.reorder.lost() - lost_before);
  std::vector<DepacketizedVideo> units;
  for (auto& r : ready) {
    auto parsed = rtc::parse_rtp_packet(r.packet);
    if (!parsed) continue;
    forward_video_rtp(*parsed, r.after_loss);
    if (ended_) return;
    depacketizer_.push(*parsed, r.after_loss, units);
  }
  std::vector<media::MediaFramePtr> out;
  for (auto& unit : units) {
    if (unit.config) {
      video_config_ = std::move(*unit.config);
      video_config_->rtp_forwarded = true;  // forward_video_rtp() gives WebRTC viewers the RTP
      if (config_published_) {
        media::StreamConfig config;
        config.video = video_config_;
        if (encoder_) config.audio = setup_.aac_config;
        if (setup_.lease && !setup_.lease->publish_config(config)) stop("stream_ended");
      }
      publish_config_if_ready();
      if (ended_) return;
    }
    if (unit.frame) timeline_.push(std::move(unit.frame), unit.rtp_timestamp, now, out);
  }
  if (!out.empty()) emit(out);
  if (depacketizer_.take_keyframe_request()) maybe_send_pli(now, true);
}

void WhipSession::drain_audio(TimePoint now) {
  std::vector<rtc::ReleasedPacket> ready;
  audio_.reorder.pop_ready(now, ready);
  if (!encoder_) return;  // no AAC stage: the stream carries video only
  std::vector<media::MediaFramePtr> out;
  for (auto& r : ready) {
    auto parsed = rtc::parse_rtp_packet(r.packet);
    if (!parsed || parsed->payload.empty()) continue;
    audio_.last_extended_ts =
        audio_.have_ts ? rtc::unwrap_timestamp(audio_.last_extended_ts, parsed->timestamp)
                       : static_cast<int64_t>(parsed->timestamp);
    audio_.have_ts = true;
    auto frame = make_opus_frame(parsed->payload, opus_to_90khz(audio_.last_extended_ts));
    timeline_.push(std::move(frame), audio_.last_extended_ts, now, out);
  }
  if (!out.empty()) emit(out);
}

void WhipSession::emit(std::vector<media::MediaFramePtr>& frames) {
  if (!logged_correction_ && timeline_.report_correction()) {
    logged_correction_ = true;
    spdlog::info("whip {}: sender reports moved the audio {:+.3f} s", setup_.stream_id,
                 *timeline_.report_correction() / 90000.0);
  }
  for (auto& frame : frames) {
    if (ended_) break;
    if (!logged_alignment_) {
      logged_alignment_ = true;
      const auto offset = timeline_.audio_minus_video();
      spdlog::info(
          "whip {}: media starts; lip sync from {}{}", setup_.stream_id,
          timeline_.mode() == AlignmentMode::SenderReports ? "sender reports" : "arrival times",
          offset ? fmt::format(", audio {:+.3f} s from video", *offset / 90000.0) : std::string());
    }
    if (frame->kind == media::TrackKind::Video) {
      if (frame->keyframe) {
        last_keyframe_ = std::chrono::steady_clock::now();
        have_keyframe_ = true;
      }
      publish_video(std::move(frame));
    } else if (encoder_) {
      // WebRTC viewers get the publisher's Opus itself; HLS the AAC made from it.
      if (config_published_ && setup_.lease) setup_.lease->publish_opus(frame);
      encoder_->push(std::move(frame));
    }
  }
  frames.clear();
}

void WhipSession::forward_video_rtp(const rtc::RtpPacket& packet, bool after_loss) {
  // One RTP timeline per access unit; a packet after a marker, or with a new timestamp, begins
  // the next one.
  const int64_t extended = video_.have_ts
                               ? rtc::unwrap_timestamp(video_.last_extended_ts, packet.timestamp)
                               : static_cast<int64_t>(packet.timestamp);
  const bool unit_start =
      !video_.have_ts || forward_.last_marker || extended != video_.last_extended_ts;
  video_.have_ts = true;
  video_.last_extended_ts = extended;
  forward_.last_marker = packet.marker;
  forward_.lost = forward_.lost || after_loss;
  // Sinks learn from the configuration that the RTP comes; before it, and before the timeline
  // places the video, the frames carry everything.
  const auto time = timeline_.video_time(extended);
  if (!config_published_ || !setup_.lease || !time) {
    forward_.lost = true;  // what a viewer gets next does not follow on what it got
    return;
  }
  auto out = std::make_shared<media::VideoRtpPacket>();
  out->payload.assign(packet.payload.begin(), packet.payload.end());
  out->time = *time;
  out->marker = packet.marker;
  if (unit_start) {
    const auto info = rtc::inspect_h264_payload(packet.payload);
    out->keyframe = info.idr || info.sps;
  }
  out->after_loss = std::exchange(forward_.lost, false);
  if (!setup_.lease->publish_video_rtp(std::move(out))) stop("stream_ended");
}

bool WhipSession::publish_config_if_ready() {
  if (config_published_) return true;
  if (!video_config_ || !setup_.lease) return false;
  media::StreamConfig config;
  config.video = video_config_;
  if (encoder_) config.audio = setup_.aac_config;
  if (!setup_.lease->publish_config(config)) {
    stop("stream_ended");
    return false;
  }
  config_published_ = true;
  for (auto& frame : waiting_config_) {
    if (!setup_.lease || !setup_.lease->publish_frame(std::move(frame))) break;
  }
  waiting_config_.clear();
  return true;
}

void WhipSession::publish_video(media::MediaFramePtr frame) {
  if (!publish_config_if_ready()) {
    if (ended_) return;
    if (waiting_config_.size() >= kMaxWaitingConfig) {
      metrics_.frames_dropped->inc();
      return;
    }
    waiting_config_.push_back(std::move(frame));
    return;
  }
  if (setup_.lease && !setup_.lease->publish_frame(std::move(frame))) stop("stream_ended");
}

void WhipSession::publish_audio(media::MediaFramePtr aac) {
  if (ended_ || !setup_.lease) return;
  if (!config_published_) {
    metrics_.frames_dropped->inc();  // audio before the first video configuration
    return;
  }
  if (!setup_.lease->publish_frame(std::move(aac))) stop("stream_ended");
}

void WhipSession::on_rtcp(Bytes packet, TimePoint now) {
  const rtc::SrtpStatus status = srtp_->unprotect_rtcp(packet);
  if (status != rtc::SrtpStatus::Ok) {
    count_srtp_failure(status);
    return;
  }
  auto compound = rtc::parse_rtcp_compound(packet);
  if (!compound) return;
  metrics_.rtcp_packets->inc();
  for (const auto& sr : compound->sender_reports) {
    if (video_.ssrc && sr.ssrc == *video_.ssrc) {
      timeline_.on_sender_report(media::TrackKind::Video, sr.ntp_timestamp, sr.rtp_timestamp);
      video_.stats->on_sender_report(sr.ntp_timestamp, now);
    } else if (audio_.ssrc && sr.ssrc == *audio_.ssrc) {
      timeline_.on_sender_report(media::TrackKind::Audio, sr.ntp_timestamp, sr.rtp_timestamp);
      audio_.stats->on_sender_report(sr.ntp_timestamp, now);
    }
  }
  for (const auto& bye : compound->byes) {
    for (uint32_t ssrc : bye.ssrcs) {
      if (video_.ssrc && ssrc == *video_.ssrc) {
        stop("publisher_bye");
        return;
      }
    }
  }
}

void WhipSession::send_rtcp(Bytes packet) {
  if (!srtp_ || !ice_.selected()) return;
  if (srtp_->protect_rtcp(packet) != rtc::SrtpStatus::Ok) return;
  port_.send(*ice_.selected(), std::move(packet));
}

void WhipSession::send_nacks(TimePoint now) {
  if (!video_.ssrc || !setup_.offer.video.nack) return;
  std::vector<uint16_t> ask;
  for (uint16_t sequence : video_.reorder.missing()) {
    auto [it, fresh] = nacked_.try_emplace(sequence, 0, TimePoint{});
    auto& [times, last] = it->second;
    if (times >= options_.max_nacks_per_packet) continue;
    if (!fresh && now - last < options_.nack_retry) continue;
    ++times;
    last = now;
    ask.push_back(sequence);
  }
  // Forget what the buffer no longer waits for (released or given up).
  if (nacked_.size() > 2048) nacked_.clear();
  if (ask.empty()) return;
  metrics_.nacks_sent->inc(ask.size());
  send_rtcp(rtc::build_nack(local_ssrc_, *video_.ssrc, ask));
}

void WhipSession::maybe_send_pli(TimePoint now, bool requested) {
  if (!video_.ssrc && !requested) return;
  const bool overdue = have_keyframe_ && now - last_keyframe_ >= options_.keyframe_interval;
  if (!requested && !overdue) return;
  if (pli_sent_ &&
      now - last_pli_ < (requested ? options_.min_pli_interval : options_.keyframe_interval)) {
    return;
  }
  if (!setup_.offer.video.pli || !srtp_) return;
  // Before the first packet the SSRC is unknown; announced ones (a=ssrc) or 0 serve then.
  uint32_t media_ssrc = video_.ssrc                        ? *video_.ssrc
                        : setup_.offer.video.ssrcs.empty() ? 0
                                                           : setup_.offer.video.ssrcs.front();
  pli_sent_ = true;
  last_pli_ = now;
  metrics_.plis_sent->inc();
  send_rtcp(rtc::build_pli(local_ssrc_, media_ssrc));
}

void WhipSession::send_reports(TimePoint now) {
  last_report_ = now;
  std::vector<rtc::RtcpReportBlock> blocks;
  for (Track* t : {&video_, &audio_}) {
    if (t->stats && t->stats->started()) blocks.push_back(t->stats->report(now));
  }
  Bytes compound = rtc::build_receiver_report(local_ssrc_, blocks);
  if (video_.ssrc && setup_.offer.video.remb) {
    std::vector<uint32_t> ssrcs{*video_.ssrc};
    Bytes remb = rtc::build_remb(local_ssrc_, options_.max_bitrate_bps, ssrcs);
    compound.insert(compound.end(), remb.begin(), remb.end());
  }
  send_rtcp(std::move(compound));
}

void WhipSession::tick() {
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
  // Consent freshness (RFC 7675 5.1): the selected path must keep passing checks.
  if (ice_.consent_expired(now, options_.consent_timeout, srtp_ != nullptr)) {
    metrics_.consent_expired->inc();
    stop("consent_expired");
    return;
  }
  if (!srtp_) {
    schedule_tick();
    return;
  }
  // Holes given up by time release what waited behind them.
  drain_video(now);
  if (ended_) return;
  drain_audio(now);
  std::vector<media::MediaFramePtr> out;
  timeline_.poll(now, out);
  if (!out.empty()) emit(out);
  if (ended_) return;
  send_nacks(now);
  maybe_send_pli(now, false);
  if (now - last_report_ >= kReportInterval) send_reports(now);
  schedule_tick();
}

}  // namespace stagecast::ingest::webrtc
