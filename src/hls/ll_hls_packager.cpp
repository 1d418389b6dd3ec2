#include "hls/ll_hls_packager.h"

#include <algorithm>
#include <cmath>

#include "core/log.h"
#include "hls/media_time.h"
#include "hls/part_timing.h"

namespace stagecast::hls {
namespace {

constexpr int64_t kAacFrameSamples = 1024;
// A jump in video dts beyond these is a timestamp reset the ingest did not flag: the packager
// starts a new session (discontinuity) rather than writing a sample that long or negative.
constexpr int64_t kMaxVideoGap = 10 * media::kTimescale;
constexpr int64_t kMaxVideoBackstep = media::kTimescale;
// Audio that drifts from its sample count by more than this is re-anchored to its timestamps.
constexpr int64_t kAudioDriftTolerance90k = media::kTimescale / 10;
// AAC frames waiting for the video to reach them (about 10 s at 48 kHz); past it the oldest go
// (a video track that stalled must not hold audio without bound).
constexpr size_t kMaxQueuedAudio = 480;
// Anomalies of a source's timestamps logged per rendition (then only counted).
constexpr uint64_t kLoggedAnomalies = 10;
// Video frames over which the frame duration is measured (exact over a second, whatever the
// rounding of each timestamp: RTMP's are whole milliseconds).
constexpr size_t kFrameRateWindow = 31;

int64_t ticks(std::chrono::milliseconds ms) {
  return ms.count() * media::kTimescale / 1000;
}

bool same_codec_config(const media::StreamConfig& a, const media::StreamConfig& b) {
  if (a.video.has_value() != b.video.has_value() || a.audio.has_value() != b.audio.has_value())
    return false;
  if (a.video && (a.video->avcc != b.video->avcc || a.video->width != b.video->width ||
                  a.video->height != b.video->height))
    return false;
  if (a.audio && (a.audio->asc != b.audio->asc || a.audio->sample_rate != b.audio->sample_rate ||
                  a.audio->channels != b.audio->channels))
    return false;
  return true;
}

}  // namespace

LlHlsPackager::LlHlsPackager(LlHlsConfig config, RenditionStore& store, const Clock& clock)
    : config_(std::move(config)),
      store_(store),
      clock_(clock),
      segment_target_(ticks(config_.segment_target)),
      part_target_(ticks(config_.part_target)),
      max_segment_(std::max(ticks(config_.max_segment), 2 * ticks(config_.segment_target))),
      expected_segment_(segment_target_),
      next_msn_(config_.first_media_sequence) {
  playlist_.target_duration =
      std::max(1, static_cast<int>(std::ceil(seconds(segment_target_) - 1e-9)));
  playlist_.part_target = seconds(part_target_);
  playlist_.part_hold_back_parts = std::max(2.0, config_.part_hold_back_percent / 100.0);
  playlist_.media_sequence = next_msn_;
  playlist_.delta_updates = config_.delta_updates;
  store_.open_rendition(config_.stream_id, config_.rendition);
}

LlHlsPackager::Counters LlHlsPackager::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

void LlHlsPackager::on_config(const media::StreamConfig& config) {
  std::lock_guard lock(mu_);
  if (ended_) return;
  if (stream_config_ && same_codec_config(*stream_config_, config)) {
    stream_config_ = config;  // frame rate and the like may be refined
    return;
  }
  auto init = build_cmaf_init_segment(config);
  if (!init) {
    spdlog::warn("hls {}/{}: configuration not packaged: {}", config_.stream_id, config_.rendition,
                 init.error().message);
    return;
  }
  const bool was_producing = session_active_ || next_msn_ != config_.first_media_sequence;
  if (session_active_) {
    // New codec parameters start a new segment with its own EXT-X-MAP after a discontinuity
    // (6.2.1: encoding changes MUST be signalled with EXT-X-DISCONTINUITY).
    close_session();
    discontinuity_pending_ = true;
    publish();
  }
  stream_config_ = config;
  layout_ = cmaf_track_layout(config);
  // Before anything was packaged the header is simply replaced (e.g. the audio sequence header
  // arriving after the video one): no discontinuity, still init.mp4.
  init_version_ = was_producing ? init_version_ + 1 : 0;
  init_ = std::make_shared<const Bytes>(std::move(init).value());
  init_pending_ = true;
  pending_video_.reset();
  if (init_version_ > 0 && next_msn_ != config_.first_media_sequence) discontinuity_pending_ = true;
}

void LlHlsPackager::on_frame(const media::MediaFramePtr& frame) {
  std::lock_guard lock(mu_);
  ++counters_.frames_in;
  if (ended_ || !stream_config_ || !frame) {
    ++counters_.frames_dropped;
    return;
  }
  if (frame->kind == media::TrackKind::Video && layout_.has_video() &&
      frame->codec == media::Codec::H264) {
    handle_video(frame);
  } else if (frame->kind == media::TrackKind::Audio && layout_.has_audio() &&
             frame->codec == media::Codec::Aac) {
    handle_audio(frame);
  } else {
    ++counters_.frames_dropped;
  }
}

void LlHlsPackager::on_discontinuity() {
  std::lock_guard lock(mu_);
  if (ended_) return;
  if (session_active_) {
    close_session();
    publish();
  }
  if (next_msn_ != config_.first_media_sequence) discontinuity_pending_ = true;
}

void LlHlsPackager::on_end() {
  std::lock_guard lock(mu_);
  if (ended_) return;
  close_session();
  // A stream shorter than its first segment still ends.
  if (!announced_) fix_targets(0, static_cast<double>(last_video_duration_));
  ended_ = true;
  playlist_.ended = true;
  publish();
}

void LlHlsPackager::handle_video(const media::MediaFramePtr& frame) {
  if (session_active_) {
    const int64_t dts = frame->dts + offset_;
    const int64_t step = dts - pending_video_->dts;
    if (step > kMaxVideoGap || step < -kMaxVideoBackstep) {
      spdlog::info("hls {}/{}: video timestamps jumped by {} ms, starting a discontinuity",
                   config_.stream_id, config_.rendition, step / 90);
      close_session();
      discontinuity_pending_ = true;
      publish();
    }
  }
  if (!session_active_) {
    if (!frame->keyframe) {
      ++counters_.frames_dropped;  // a segment must start on a key frame
      return;
    }
    start_session(frame->dts);
    pending_video_ = PendingVideo{frame, frame->dts + offset_, frame->pts + offset_};
    recent_dts_.assign(1, pending_video_->dts);
    return;
  }

  int64_t dts = frame->dts + offset_;
  int64_t duration = dts - pending_video_->dts;
  if (duration <= 0) {
    // A small step back or a repeated dts: keep decode order with the shortest duration rather
    // than drop a frame that later frames may reference.
    duration = 1;
    dts = pending_video_->dts + 1;
  }
  // The held frame's duration is now exact. A part never exceeds PART-TARGET (4.4.4.9): if the
  // held frame would end past it, the part ends before it, or the segment does when that part
  // would be too short (part_timing.h). The first segment is cut into parts once complete.
  if (announced_) {
    const auto& held = *pending_video_;
    // A frame that alone outlasts PART-TARGET (the source sent no video for that long) cannot be
    // split: its part is longer than 4.4.4.9 allows. Said, and counted.
    if (duration > timing_.target && ++counters_.long_frames <= kLoggedAnomalies)
      spdlog::warn("hls {}/{}: a video frame of {} ms, longer than PART-TARGET", config_.stream_id,
                   config_.rendition, duration / 90);
    switch (place_held_frame(timing_, part_->start, part_->independent, held.dts, dts)) {
      case HeldFrame::Joins:
        break;
      case HeldFrame::StartsNextPart:
        cut(held.dts, false, held.frame->keyframe);
        break;
      case HeldFrame::EndsSegment:
        end_segment_at_gap(held.dts, held.frame->keyframe);
        break;
    }
  }
  commit_pending_video(duration);
  last_video_duration_ = duration;
  recent_dts_.push_back(dts);
  if (recent_dts_.size() > kFrameRateWindow) recent_dts_.pop_front();

  // Where the frame just received goes: a new segment, a new part, or the open part.
  const int64_t in_segment = dts - segment_->start;
  const int64_t frame_ticks = frame_duration();
  // A key frame starts a segment once the segment target is (nearly) reached; in a segment that
  // did not start with one (cut without a key frame, below, or at a gap), the next key frame
  // starts a segment as soon as the segment holds a part, so segments line up with the source's
  // GOPs again and start INDEPENDENT (x264's scene cuts move key frames: -g 60 gave 2.467 s then
  // 0.533 s of a GOP without this, and a player joining there had to wait for the next key frame).
  bool new_segment =
      frame->keyframe && (in_segment >= segment_target_ - segment_target_ / 10 ||
                          (!segment_->independent && in_segment >= part_target_));
  if (!new_segment) {
    // EXTINF rounded to the nearest integer MUST NOT exceed the target duration (4.4.3.1): a
    // GOP longer than the one that fixed it is cut without a key frame, which players decode
    // on (the next segment's first part is then not INDEPENDENT).
    // (2 ms short of the half second: the frame's end is estimated from millisecond timestamps.)
    const int64_t limit =
        announced_ ? static_cast<int64_t>(playlist_.target_duration) * media::kTimescale +
                         media::kTimescale / 2 - 180
                   : max_segment_;
    if (in_segment + frame_ticks > limit) {
      new_segment = true;
      if (!frame->keyframe) {
        ++counters_.forced_cuts;
        if (counters_.forced_cuts == 1)
          spdlog::warn(
              "hls {}/{}: a GOP of more than {} s, longer than the stream's first: segment cut "
              "without a key frame",
              config_.stream_id, config_.rendition, playlist_.target_duration);
      }
    }
  }
  if (new_segment) {
    // The GOP just ended is what the next segment's parts are shared out over.
    if (frame->keyframe && segment_->independent) expected_segment_ = in_segment;
    cut(dts, true, frame->keyframe);
  } else if (announced_ && part_ends_at(timing_, part_->start, dts, part_aim(), frame_ticks)) {
    cut(dts, false, frame->keyframe);
  }
  pending_video_ = PendingVideo{frame, dts, frame->pts + offset_ + (dts - frame->dts - offset_)};
}

int64_t LlHlsPackager::frame_duration() const {
  if (recent_dts_.size() < 2) return last_video_duration_;
  return std::max<int64_t>(
      1, (recent_dts_.back() - recent_dts_.front()) / static_cast<int64_t>(recent_dts_.size() - 1));
}

// Where the open part should end: its place on the segment's grid (part_timing.h).
int64_t LlHlsPackager::part_aim() const {
  const auto closed = static_cast<int64_t>(playlist_.segments.back().parts.size());
  return segment_->start + (closed + 1) * segment_->step;
}

// A gap in the timestamps left no frame start where the open part could end (part_timing.h):
// the segment ends there, since a segment's last part may be short (4.4.4.9).
void LlHlsPackager::end_segment_at_gap(int64_t at, bool keyframe) {
  if (++counters_.gap_cuts <= kLoggedAnomalies)
    spdlog::warn(
        "hls {}/{}: a gap in the video timestamps after {} ms of a part: segment ended early",
        config_.stream_id, config_.rendition, (at - part_->start) / 90);
  cut(at, true, keyframe);
}

void LlHlsPackager::handle_audio(const media::MediaFramePtr& frame) {
  if (lead_is_video()) {
    // Placed when the video reaches it (close_part), or dropped if it precedes the first frame.
    audio_queue_.push_back(frame);
    if (audio_queue_.size() > kMaxQueuedAudio) {
      audio_queue_.pop_front();
      ++counters_.frames_dropped;
    }
    return;
  }
  if (!session_active_) start_session(frame->dts);
  place_audio(frame);
}

void LlHlsPackager::place_queued_audio(int64_t before) {
  while (!audio_queue_.empty()) {
    const auto& f = audio_queue_.front();
    const int64_t dts90 = f->dts + offset_;
    if (dts90 >= before) break;
    place_audio(f);
    audio_queue_.pop_front();
  }
}

void LlHlsPackager::place_audio(const media::MediaFramePtr& frame) {
  const uint32_t rate = layout_.audio_timescale;
  const int64_t dts90 = frame->dts + offset_;
  if (dts90 < session_start_) {
    ++counters_.frames_dropped;  // before the first video frame of the session
    return;
  }
  const auto t = static_cast<uint64_t>(
      (dts90 * static_cast<int64_t>(rate) + media::kTimescale / 2) / media::kTimescale);
  const int64_t tolerance = kAudioDriftTolerance90k * rate / media::kTimescale;
  if (!audio_started_) {
    audio_next_ = t;
    audio_started_ = true;
  } else {
    const int64_t drift = static_cast<int64_t>(t) - static_cast<int64_t>(audio_next_);
    if (drift < -tolerance) {
      ++counters_.frames_dropped;  // overlaps audio already written
      return;
    }
    if (drift > tolerance) {
      // A gap in the audio: the previous sample of this part stretches over it, or the next
      // part's tfdt jumps.
      if (!part_->audio.empty()) part_->audio.back().duration += static_cast<uint32_t>(drift);
      audio_next_ = t;
    }
  }

  if (!lead_is_video()) {
    const int64_t at = audio_to_90k(audio_next_);
    const int64_t frame90 = kAacFrameSamples * media::kTimescale / rate;
    // Every AAC frame is a sync sample: segments end with a full part, at the first part
    // boundary past 90% of the target, so no short part is left at a segment's end.
    const int64_t in_segment = at - segment_->start;
    if (at + frame90 - part_->start > part_target_ && at > part_->start) {
      cut(at, in_segment >= segment_target_ - segment_target_ / 10, true);
    }
  }

  if (part_->audio.empty()) part_->audio_base = audio_next_;
  part_->audio.push_back(CmafSample{frame, static_cast<uint32_t>(kAacFrameSamples), 0, true});
  audio_next_ += kAacFrameSamples;
}

int64_t LlHlsPackager::audio_to_90k(uint64_t t) const {
  return static_cast<int64_t>(t) * media::kTimescale / layout_.audio_timescale;
}

void LlHlsPackager::start_session(int64_t input_dts) {
  offset_ = timeline_end_ - input_dts;
  session_start_ = timeline_end_;
  anchor_wall_ms_ = config_.date_anchor
                        ? config_.date_anchor->anchor_session(session_start_, clock_.unix_millis())
                        : clock_.unix_millis();
  anchor_dts_ = session_start_;
  audio_started_ = false;
  session_active_ = true;
  open_segment(session_start_);
  open_part(session_start_, true);
}

void LlHlsPackager::commit_pending_video(int64_t duration) {
  if (!pending_video_) return;
  auto& p = *pending_video_;
  if (part_->video.empty()) part_->video_base = static_cast<uint64_t>(p.dts);
  part_->video.push_back(CmafSample{p.frame, static_cast<uint32_t>(duration),
                                    static_cast<int32_t>(p.pts - p.dts), p.frame->keyframe});
  ++video_samples_;
  video_ticks_ += duration;
  pending_video_.reset();
}

void LlHlsPackager::close_session() {
  if (!session_active_) return;
  int64_t at = session_start_;
  if (pending_video_) {
    at = pending_video_->dts + last_video_duration_;
    const auto& held = *pending_video_;
    const auto placed =
        announced_ ? place_held_frame(timing_, part_->start, part_->independent, held.dts, at)
                   : HeldFrame::Joins;
    if (placed != HeldFrame::Joins)
      cut(held.dts, placed == HeldFrame::EndsSegment, held.frame->keyframe, false);
    commit_pending_video(last_video_duration_);
  } else if (audio_started_) {
    at = audio_to_90k(audio_next_);
  }
  if (!lead_is_video() && audio_started_) at = audio_to_90k(audio_next_);
  at = std::max(at, part_->start);
  // The audio that arrived ahead of the video ends the session with it (a little past the last
  // video frame); frames far ahead belong to a timeline that is not this one.
  if (lead_is_video()) {
    place_queued_audio(at + kMaxVideoGap);
    audio_queue_.clear();
  }
  close_part(at);
  close_segment(at);
  timeline_end_ = at;
  if (layout_.has_audio() && audio_started_)
    timeline_end_ = std::max(timeline_end_, audio_to_90k(audio_next_));
  session_active_ = false;
  part_.reset();
}

void LlHlsPackager::cut(int64_t at, bool new_segment, bool next_independent, bool publish_now) {
  close_part(at);
  if (new_segment) {
    close_segment(at);
    open_segment(at);
    segment_->independent = next_independent;
  }
  open_part(at, next_independent);
  if (publish_now) publish();
}

void LlHlsPackager::open_segment(int64_t at) {
  segment_ = OpenSegment{next_msn_++, at, {}};
  segment_->step = grid_step(expected_segment_, part_target_);
  PlaylistSegment s;
  s.msn = segment_->msn;
  s.discontinuity = discontinuity_pending_;
  discontinuity_pending_ = false;
  s.init_version = init_version_;
  s.program_date_time_ms = anchor_wall_ms_ + (at - anchor_dts_) * 1000 / media::kTimescale;
  playlist_.segments.push_back(std::move(s));
}

void LlHlsPackager::open_part(int64_t at, bool independent) {
  part_ = OpenPart{};
  part_->start = at;
  part_->independent = independent;
}

void LlHlsPackager::close_part(int64_t at) {
  if (!part_) return;
  if (lead_is_video() && session_active_) place_queued_audio(at);
  if (part_->video.empty() && part_->audio.empty()) return;
  if (!announced_ && lead_is_video()) {
    announce_with_first_segment(at);
    return;
  }
  emit_part(std::move(*part_), at);
  part_->video.clear();
  part_->audio.clear();
}

// The first segment of a video rendition is complete: its GOP and frame rate fix the target
// durations, and its frames, all known now, are cut into parts (part_timing.h: plan_parts).
void LlHlsPackager::announce_with_first_segment(int64_t at) {
  OpenPart all = std::move(*part_);
  part_->video.clear();
  part_->audio.clear();
  const int64_t duration = at - segment_->start;
  std::vector<int64_t> pts;
  int64_t dts = static_cast<int64_t>(all.video_base);
  for (const auto& v : all.video) {
    pts.push_back(dts + v.composition_offset);
    dts += v.duration;
  }
  const double declared = stream_config_->video->frame_rate;
  const double measured = typical_frame_duration(pts);
  double frame = source_frame_duration(std::move(pts), declared);
  if (!(frame > 0)) frame = static_cast<double>(last_video_duration_);
  fix_targets(duration, frame);
  spdlog::info("hls {}/{}: PART-TARGET {:.3f} s ({} fps declared, {:.2f} measured over {} frames)",
               config_.stream_id, config_.rendition, seconds(timing_.target), declared,
               measured > 0 ? media::kTimescale / measured : 0.0, all.video.size());
  expected_segment_ = duration;
  segment_->step = grid_step(duration, part_target_);

  std::vector<int64_t> starts;
  std::vector<bool> sync;
  int64_t t = static_cast<int64_t>(all.video_base);
  for (const auto& v : all.video) {
    starts.push_back(t);
    sync.push_back(v.sync);
    t += v.duration;
  }
  std::vector<size_t> cuts = plan_parts(starts, sync, at, timing_, segment_->step);
  if (cuts.empty()) cuts.push_back(0);
  size_t next_audio = 0;
  uint64_t audio_time = all.audio_base;
  for (size_t i = 0; i < cuts.size(); ++i) {
    const bool last = i + 1 == cuts.size();
    const size_t first = cuts[i];
    const size_t end_frame = last ? all.video.size() : cuts[i + 1];
    const int64_t end = last ? at : starts[end_frame];
    OpenPart piece;
    piece.start = starts.empty() ? all.start : starts[first];
    piece.independent = first == 0 ? all.independent : all.video[first].sync;
    piece.video_base = static_cast<uint64_t>(piece.start);
    piece.video.assign(all.video.begin() + static_cast<std::ptrdiff_t>(first),
                       all.video.begin() + static_cast<std::ptrdiff_t>(end_frame));
    // Audio goes where the video covers its timestamp, as it would have live (place_queued_audio).
    piece.audio_base = audio_time;
    while (next_audio < all.audio.size() &&
           (last || all.audio[next_audio].frame->dts + offset_ < end)) {
      audio_time += all.audio[next_audio].duration;
      piece.audio.push_back(all.audio[next_audio++]);
    }
    emit_part(std::move(piece), end);
  }
}

// The first complete segment is the source's GOP: EXT-X-TARGETDURATION covers it and the
// configured segment target (4.4.3.1: EXTINF rounded <= it). PART-TARGET is the configured part
// in whole frames of the rate measured over that segment (part_timing.h); an audio rendition's
// parts are cut by the configured target, PART-TARGET covers the longest. Neither changes
// afterwards (6.2.1).
void LlHlsPackager::fix_targets(int64_t first_segment, double frame) {
  const int64_t ms = media::kTimescale / 1000;
  // EXTINF rounded to the nearest integer must not exceed it (4.4.3.1): a GOP of 2.004 s (a
  // live clock's jitter) is a target of 2, OBS's 8.33 s one of 8.
  const int64_t gop_s = (first_segment + media::kTimescale / 2 - 1) / media::kTimescale;
  const int64_t target_s =
      std::max((segment_target_ + media::kTimescale - 1) / media::kTimescale, gop_s);
  playlist_.target_duration = static_cast<int>(std::max<int64_t>(1, target_s));
  timing_ = lead_is_video()
                ? PartTiming::for_frames(part_target_, frame)
                : PartTiming::exactly((std::max(longest_part_, part_target_) + ms - 1) / ms * ms);
  announced_ = true;
  playlist_.part_target = seconds(timing_.target);
  if (playlist_.target_duration > (segment_target_ + media::kTimescale - 1) / media::kTimescale)
    spdlog::info("hls {}/{}: GOP of {:.2f} s, longer than the segment target: target duration {} s",
                 config_.stream_id, config_.rendition, seconds(first_segment),
                 playlist_.target_duration);
}

}  // namespace stagecast::hls
