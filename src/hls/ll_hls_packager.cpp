#include "hls/ll_hls_packager.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "core/log.h"

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
// Video frames over which the frame duration is measured (exact over a second, whatever the
// rounding of each timestamp: RTMP's are whole milliseconds).
constexpr size_t kFrameRateWindow = 31;

int64_t ticks(std::chrono::milliseconds ms) {
  return ms.count() * media::kTimescale / 1000;
}
double seconds(int64_t ticks_90k) {
  return static_cast<double>(ticks_90k) / media::kTimescale;
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

// RFC 6381 for avc1: profile_idc, constraint flags and level_idc, as the AVC decoder
// configuration record carries them (ISO/IEC 14496-15 5.3.3.1.2).
std::string avc_codec_string(const media::VideoConfig& v) {
  return fmt::format("avc1.{:02x}{:02x}{:02x}", v.avcc[1], v.avcc[2], v.avcc[3]);
}

// RFC 6381 for mp4a: the audio object type from the AudioSpecificConfig's first 5 bits
// (ISO/IEC 14496-3 1.6.2.1); the escape value 31 falls back to the configured type.
std::string aac_codec_string(const media::AudioConfig& a) {
  const int aot = a.asc.empty() ? 31 : a.asc[0] >> 3;
  return fmt::format("mp4a.40.{}", aot == 0 || aot == 31 ? a.object_type : aot);
}

}  // namespace

LlHlsPackager::LlHlsPackager(LlHlsConfig config, RenditionStore& store, const Clock& clock)
    : config_(std::move(config)),
      store_(store),
      clock_(clock),
      segment_target_(ticks(config_.segment_target)),
      part_target_(ticks(config_.part_target)),
      max_segment_(std::max(ticks(config_.max_segment), 2 * ticks(config_.segment_target))),
      next_msn_(config_.first_media_sequence) {
  playlist_.target_duration =
      std::max(1, static_cast<int>(std::ceil(seconds(segment_target_) - 1e-9)));
  playlist_.part_target = seconds(part_target_);
  playlist_.media_sequence = next_msn_;
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
  if (!announced_) fix_targets(0);  // a stream shorter than its first segment still ends
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
    part_->frames = 1;
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
  // The held frame's duration is now exact. A part never exceeds PART-TARGET (4.4.4.9): should
  // the frame not fit after all (a timestamp later than its frame rate said), the part closes
  // before it.
  const int64_t cap = part_cap();
  if (part_->frames > 1 && dts - part_->start > cap) {
    cut(pending_video_->dts, false, pending_video_->frame->keyframe);
    part_->frames = 1;  // the held frame, now the new part's first
  }
  commit_pending_video(duration);
  last_video_duration_ = duration;
  recent_dts_.push_back(dts);
  if (recent_dts_.size() > kFrameRateWindow) recent_dts_.pop_front();

  // Where the frame just received goes: a new segment, a new part, or the open part.
  const int64_t in_segment = dts - segment_->start;
  const int64_t frame_ticks = frame_duration();
  // A key frame starts a segment once the segment target is (nearly) reached; in a segment that
  // did not start with one (cut without a key frame, above), the next key frame starts a segment
  // as soon as the segment holds a part, so segments line up with the source's GOPs again and
  // start INDEPENDENT (x264's scene cuts move key frames: -g 60 gave 2.467 s then 0.533 s of a
  // GOP without this, and a player joining there had to wait for the next key frame).
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
    cut(dts, true, frame->keyframe);
    segment_->independent = frame->keyframe;
  } else if (part_->frames >= frames_per_part() || dts + frame_ticks / 2 - part_->start > cap) {
    // Full, or the frame would end mostly past PART-TARGET (frames missing from the source).
    cut(dts, false, frame->keyframe);
  }
  ++part_->frames;
  pending_video_ = PendingVideo{frame, dts, frame->pts + offset_ + (dts - frame->dts - offset_)};
}

int64_t LlHlsPackager::frame_duration() const {
  if (recent_dts_.size() < 2) return last_video_duration_;
  return std::max<int64_t>(
      1, (recent_dts_.back() - recent_dts_.front()) / static_cast<int64_t>(recent_dts_.size() - 1));
}

// Frames per part: the segment target in whole frames, shared out over as many parts as the
// part target asks (2 s at 30 fps in 4 parts: 15; at 25 fps: 13, 13, 13, 11). Every part of a
// regular GOP is then full, and its last is not a sliver. At least kMinFramesPerPart: a part
// that closes one frame early (a source's timestamps jitter, GStreamer's do) must still hold 85%
// of PART-TARGET (4.4.4.9), and the same jitter can lengthen the first segment's longest part,
// which PART-TARGET covers: 8 frames against 0.278 s gave 7-frame parts of 84% in the
// conformance test; 10 keep about 87% (250 ms asked at 30 fps: 10 frames, 0.334 s).
int LlHlsPackager::frames_per_part() const {
  constexpr int64_t kMinFramesPerPart = 10;
  const int64_t frame = frame_duration();
  const int64_t per_segment = std::max<int64_t>(1, (segment_target_ + frame / 2) / frame);
  const int64_t parts = std::max<int64_t>(1, (segment_target_ + part_target_ / 2) / part_target_);
  const int64_t shared = (per_segment + parts - 1) / parts;
  return static_cast<int>(std::min(per_segment, std::max(shared, kMinFramesPerPart)));
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
    if (part_->frames > 1 && at - part_->start > part_cap()) {
      close_part(pending_video_->dts);
      open_part(pending_video_->dts, pending_video_->frame->keyframe);
    }
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

void LlHlsPackager::cut(int64_t at, bool new_segment, bool next_independent) {
  close_part(at);
  if (new_segment) {
    close_segment(at);
    open_segment(at);
  }
  open_part(at, next_independent);
  publish();
}

void LlHlsPackager::open_segment(int64_t at) {
  segment_ = OpenSegment{next_msn_++, at, {}};
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
  std::vector<CmafTrackRun> runs;
  if (!part_->video.empty())
    runs.push_back(
        CmafTrackRun{layout_.video_track_id, true, part_->video_base, std::move(part_->video)});
  if (!part_->audio.empty())
    runs.push_back(
        CmafTrackRun{layout_.audio_track_id, false, part_->audio_base, std::move(part_->audio)});
  Bytes bytes = build_cmaf_fragment(fragment_sequence_++, runs);
  segment_->data.insert(segment_->data.end(), bytes.begin(), bytes.end());

  auto& s = playlist_.segments.back();
  const PartRef ref{s.msn, static_cast<int>(s.parts.size())};
  const double duration = seconds(at - part_->start);
  longest_part_ = std::max(longest_part_, at - part_->start);
  s.parts.push_back(PlaylistPart{duration, part_->independent});
  s.duration += duration;
  update_.parts.push_back(PartData{ref, std::make_shared<const Bytes>(std::move(bytes))});
  last_part_ = ref;
  ++counters_.parts;
  part_->video.clear();
  part_->audio.clear();
}

void LlHlsPackager::close_segment(int64_t at) {
  if (!segment_) return;
  auto& s = playlist_.segments.back();
  if (s.parts.empty()) {
    // Nothing was written into it: it never existed.
    if (s.discontinuity) discontinuity_pending_ = true;
    playlist_.segments.pop_back();
    --next_msn_;
    segment_.reset();
    return;
  }
  const int64_t duration = at - segment_->start;
  s.complete = true;
  s.duration = seconds(duration);
  const double bits = static_cast<double>(segment_->data.size()) * 8.0;
  // Short segments (a discontinuity, the end) would overstate the peak.
  if (duration >= segment_target_ / 2)
    peak_bps_ = std::max(peak_bps_, static_cast<uint64_t>(bits / seconds(duration)));
  total_bits_ += bits;
  total_seconds_ += seconds(duration);
  update_.segments.push_back(SegmentData{s.msn,
                                         std::make_shared<const Bytes>(std::move(segment_->data)),
                                         static_cast<int>(s.parts.size()), s.duration,
                                         s.discontinuity, s.init_version, s.program_date_time_ms});
  last_complete_msn_ = s.msn;
  if (!s.parts.empty() && !s.parts.front().independent) all_independent_ = false;
  if (!announced_) fix_targets(duration);
  ++counters_.segments;
  segment_.reset();
  evict();
}

// The longest a part may be: PART-TARGET once announced; before, what it will be announced as.
int64_t LlHlsPackager::part_cap() const {
  if (announced_) return part_limit_;
  const int64_t ms = media::kTimescale / 1000;
  const int64_t part =
      std::max(part_target_, static_cast<int64_t>(frames_per_part()) * frame_duration());
  return (part + ms - 1) / ms * ms;
}

// The first complete segment is the source's GOP: EXT-X-TARGETDURATION covers it and the
// configured segment target (4.4.3.1: EXTINF rounded <= it), PART-TARGET the parts cut so far
// and a part of frames_per_part() frames (at least the configured part target), in whole
// milliseconds. Neither changes afterwards.
void LlHlsPackager::fix_targets(int64_t first_segment) {
  const int64_t ms = media::kTimescale / 1000;
  // EXTINF rounded to the nearest integer must not exceed it (4.4.3.1): a GOP of 2.004 s (a
  // live clock's jitter) is a target of 2, OBS's 8.33 s one of 8.
  const int64_t gop_s = (first_segment + media::kTimescale / 2 - 1) / media::kTimescale;
  const int64_t target_s =
      std::max((segment_target_ + media::kTimescale - 1) / media::kTimescale, gop_s);
  playlist_.target_duration = static_cast<int>(std::max<int64_t>(1, target_s));
  const int64_t part = std::max(longest_part_, lead_is_video() ? part_cap() : part_target_);
  part_limit_ = (part + ms - 1) / ms * ms;
  announced_ = true;
  playlist_.part_target = seconds(part_limit_);
  if (playlist_.target_duration > (segment_target_ + media::kTimescale - 1) / media::kTimescale)
    spdlog::info("hls {}/{}: GOP of {:.2f} s, longer than the segment target: target duration {} s",
                 config_.stream_id, config_.rendition, seconds(first_segment),
                 playlist_.target_duration);
}

void LlHlsPackager::evict() {
  auto complete = [this] {
    return static_cast<size_t>(std::count_if(playlist_.segments.begin(), playlist_.segments.end(),
                                             [](const auto& s) { return s.complete; }));
  };
  // 6.2.2: never shorter than three target durations.
  while (complete() > config_.window_segments &&
         playlist_.duration() - playlist_.segments.front().duration >=
             3.0 * playlist_.target_duration) {
    if (playlist_.segments.front().discontinuity) ++playlist_.discontinuity_sequence;
    playlist_.segments.pop_front();
    playlist_.media_sequence = playlist_.segments.front().msn;
  }
}

RenditionEdge LlHlsPackager::current_edge() const {
  RenditionEdge e;
  e.media_sequence = playlist_.media_sequence;
  e.last_complete_msn = last_complete_msn_;
  e.last_part = last_part_;
  e.preload_hint = playlist_.preload_hint;
  e.target_duration = playlist_.target_duration;
  e.part_target = playlist_.part_target;
  e.ended = ended_;
  return e;
}

VariantInfo LlHlsPackager::variant() const {
  VariantInfo v;
  v.rendition = config_.rendition;
  uint64_t measured = peak_bps_;
  if (measured == 0 && segment_ && !playlist_.segments.empty() &&
      playlist_.segments.back().duration > 0) {
    measured = static_cast<uint64_t>(static_cast<double>(segment_->data.size()) * 8.0 /
                                     playlist_.segments.back().duration);
  }
  v.bandwidth = config_.bandwidth > 0 ? config_.bandwidth : measured;
  if (total_seconds_ > 0) v.average_bandwidth = static_cast<uint64_t>(total_bits_ / total_seconds_);
  std::vector<std::string> codecs;
  if (layout_.has_video()) {
    const auto& vc = *stream_config_->video;
    v.width = vc.width;
    v.height = vc.height;
    v.frame_rate = measured_frame_rate();
    if (v.frame_rate <= 0) v.frame_rate = vc.frame_rate;
    codecs.push_back(avc_codec_string(vc));
  }
  if (layout_.has_audio()) codecs.push_back(aac_codec_string(*stream_config_->audio));
  v.codecs = fmt::format("{}", fmt::join(codecs, ","));
  v.independent_segments = all_independent_;
  return v;
}

// FRAME-RATE (4.4.6.2) from the frames themselves: what the source's metadata says is not always
// what it sends. A rate within 0.5% of a common one is the nearest such (timestamps in whole
// milliseconds make 30 fps read 29.98 or 30.02).
double LlHlsPackager::measured_frame_rate() const {
  if (video_samples_ < 2 || video_ticks_ <= 0) return 0;
  const double fps = static_cast<double>(video_samples_) / seconds(video_ticks_);
  double best = fps;
  double best_diff = fps * 0.005;
  for (const double common : {23.976, 24.0, 25.0, 29.97, 30.0, 48.0, 50.0, 59.94, 60.0}) {
    const double diff = std::abs(fps - common);
    if (diff <= best_diff) {
      best = common;
      best_diff = diff;
    }
  }
  return best;
}

void LlHlsPackager::publish() {
  // Nothing is listed before the target durations are fixed; what was cut waits in update_.
  if (!announced_) return;
  if (ended_) {
    playlist_.preload_hint.reset();
  } else if (segment_ && !playlist_.segments.empty()) {
    playlist_.preload_hint =
        PartRef{segment_->msn, static_cast<int>(playlist_.segments.back().parts.size())};
  } else {
    playlist_.preload_hint = PartRef{next_msn_, 0};
  }

  RenditionUpdate update = std::move(update_);
  update_ = RenditionUpdate{};
  if (init_pending_ && init_) {
    update.init_version = init_version_;
    update.init = init_;
    init_pending_ = false;
  }
  update.keep_segments_from =
      playlist_.media_sequence - static_cast<int64_t>(config_.retained_extra_segments);
  // Parts stay fetchable three target durations after their EXT-X-PART tags leave (6.2.2), and
  // the tags leave three target durations from the live edge: keep six.
  update.keep_parts_from = next_msn_;
  const double edge = playlist_.duration();
  double end = 0;
  for (const auto& s : playlist_.segments) {
    end += s.duration;
    if (edge - end <= 6.0 * playlist_.target_duration) {
      update.keep_parts_from = s.msn;
      break;
    }
  }
  update.edge = current_edge();
  update.playlist = render_media_playlist(playlist_);
  if (stream_config_) update.variant = variant();
  store_.publish(config_.stream_id, config_.rendition, std::move(update));
}

}  // namespace stagecast::hls
