#include "ingest/webrtc/av_timeline.h"

#include <cmath>

#include "rtc/rtp_packet.h"

namespace stagecast::ingest::webrtc {

namespace {

double ntp_seconds(uint64_t ntp) {
  return static_cast<double>(ntp >> 32) + static_cast<double>(ntp & 0xffffffffULL) / 4294967296.0;
}

double steady_seconds(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace

void AvTimeline::on_sender_report(media::TrackKind kind, uint64_t ntp, uint32_t rtp_timestamp) {
  Track& t = track(kind);
  // Kept as sent; extended next to the track's first timestamp when it is used.
  t.report = std::make_pair(ntp, static_cast<int64_t>(rtp_timestamp));
  if (mode_ == AlignmentMode::ArrivalTimes) correct_from_reports();
}

void AvTimeline::correct_from_reports() {
  if (correction_ || !video_.offset || !audio_.offset || !video_.report || !audio_.report) return;
  // Both references in the sender's NTP time; the video keeps its offset, the audio follows.
  mode_ = AlignmentMode::SenderReports;
  const double v = reference_seconds(video_);
  const double a = reference_seconds(audio_);
  const int64_t corrected = *video_.offset + std::llround((a - v) * media::kTimescale);
  correction_ = corrected - *audio_.offset;
  audio_.offset = corrected;
}

std::optional<int64_t> AvTimeline::audio_minus_video() const {
  if (!video_.offset || !audio_.offset) return std::nullopt;
  return *audio_.offset - *video_.offset;
}

double AvTimeline::reference_seconds(const Track& t) const {
  if (mode_ == AlignmentMode::SenderReports && t.report) {
    const int64_t report_rtp =
        rtc::unwrap_timestamp(t.first_rtp, static_cast<uint32_t>(t.report->second));
    return ntp_seconds(t.report->first) +
           static_cast<double>(t.first_rtp - report_rtp) / static_cast<double>(t.clock);
  }
  return steady_seconds(t.first_arrival);
}

void AvTimeline::lock(TimePoint /*now*/) {
  const bool reports =
      video_.started && video_.report && (!options_.has_audio || (audio_.started && audio_.report));
  mode_ = reports ? AlignmentMode::SenderReports : AlignmentMode::ArrivalTimes;
  bool any = false;
  double base = 0;
  for (Track* t : {&video_, &audio_}) {
    if (!t->started) continue;
    const double ref = reference_seconds(*t);
    base = any ? std::min(base, ref) : ref;
    any = true;
  }
  base_seconds_ = base;
  for (Track* t : {&video_, &audio_}) {
    if (t->started) {
      t->offset = std::llround((reference_seconds(*t) - base_seconds_) * media::kTimescale);
    }
  }
}

void AvTimeline::fix_late_track(Track& t, TimePoint /*now*/) {
  // A track that began after the mapping was fixed: from its own sender report when the mapping
  // is in NTP time and it has one, else by its arrival next to the other track's.
  Track& other = (&t == &video_) ? audio_ : video_;
  double ref = 0;
  if (mode_ == AlignmentMode::SenderReports && t.report) {
    ref = reference_seconds(t);
  } else if (other.offset) {
    const double other_ref = base_seconds_ + static_cast<double>(*other.offset) / media::kTimescale;
    ref = other_ref + std::chrono::duration<double>(t.first_arrival - other.first_arrival).count();
  } else {
    ref = base_seconds_;
  }
  t.offset = std::llround((ref - base_seconds_) * media::kTimescale);
}

std::optional<int64_t> AvTimeline::video_time(int64_t extended_rtp) const {
  if (mode_ == AlignmentMode::Waiting || !video_.started || !video_.offset) return std::nullopt;
  const int64_t ts =
      *video_.offset + (extended_rtp - video_.first_rtp) * media::kTimescale / video_.clock;
  if (ts < 0) return std::nullopt;
  return ts;
}

media::MediaFramePtr AvTimeline::stamp(const Held& held) {
  const Track& t = held.frame->kind == media::TrackKind::Video ? video_ : audio_;
  const int64_t ts = *t.offset + (held.rtp - t.first_rtp) * media::kTimescale / t.clock;
  if (ts < 0) {
    ++dropped_;  // before the earliest first frame (a late track whose report says so)
    return nullptr;
  }
  auto frame = std::make_shared<media::MediaFrame>(*held.frame);
  frame->pts = ts;
  frame->dts = ts;
  return frame;
}

void AvTimeline::release(std::vector<media::MediaFramePtr>& out) {
  while (!held_.empty()) {
    if (auto f = stamp(held_.front())) out.push_back(std::move(f));
    held_.pop_front();
  }
}

void AvTimeline::push(media::MediaFramePtr frame, int64_t extended_rtp, TimePoint arrival,
                      std::vector<media::MediaFramePtr>& out) {
  Track& t = track(frame->kind);
  if (!t.started) {
    t.started = true;
    t.first_rtp = extended_rtp;
    t.first_arrival = arrival;
    if (mode_ != AlignmentMode::Waiting) fix_late_track(t, arrival);
  }
  t.last_rtp = extended_rtp;
  if (!first_arrival_) first_arrival_ = arrival;

  if (mode_ != AlignmentMode::Waiting) {
    if (mode_ == AlignmentMode::ArrivalTimes) correct_from_reports();
    if (auto f = stamp(Held{std::move(frame), extended_rtp})) out.push_back(std::move(f));
    return;
  }
  held_.push_back(Held{std::move(frame), extended_rtp});
  while (held_.size() > options_.max_held_frames) {
    held_.pop_front();
    ++dropped_;
  }
  const bool reports =
      video_.started && video_.report && (!options_.has_audio || (audio_.started && audio_.report));
  if (reports || (!options_.has_audio && video_.started)) {
    lock(arrival);
    release(out);
    return;
  }
  poll(arrival, out);
  if (mode_ == AlignmentMode::ArrivalTimes) correct_from_reports();
}

void AvTimeline::poll(TimePoint now, std::vector<media::MediaFramePtr>& out) {
  if (mode_ != AlignmentMode::Waiting || !first_arrival_) return;
  if (now - *first_arrival_ < options_.report_wait) return;
  lock(now);
  release(out);
}

}  // namespace stagecast::ingest::webrtc
