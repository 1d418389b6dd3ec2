// LlHlsPackager's output side: parts and segments written into the playlist, the window, the
// variant's description, and what publish() hands to the RenditionStore.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "hls/ll_hls_packager.h"
#include "hls/media_time.h"

namespace stagecast::hls {
namespace {

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

// Writes a part ending at `at` into the open segment and hands it to the next publish().
void LlHlsPackager::emit_part(OpenPart part, int64_t at) {
  std::vector<CmafTrackRun> runs;
  if (!part.video.empty())
    runs.push_back(
        CmafTrackRun{layout_.video_track_id, true, part.video_base, std::move(part.video)});
  if (!part.audio.empty())
    runs.push_back(
        CmafTrackRun{layout_.audio_track_id, false, part.audio_base, std::move(part.audio)});
  Bytes bytes = build_cmaf_fragment(fragment_sequence_++, runs);
  segment_->data.insert(segment_->data.end(), bytes.begin(), bytes.end());

  auto& s = playlist_.segments.back();
  const PartRef ref{s.msn, static_cast<int>(s.parts.size())};
  const double duration = seconds(at - part.start);
  longest_part_ = std::max(longest_part_, at - part.start);
  s.parts.push_back(PlaylistPart{duration, part.independent});
  s.duration += duration;
  update_.parts.push_back(PartData{ref, std::make_shared<const Bytes>(std::move(bytes))});
  last_part_ = ref;
  ++counters_.parts;
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
  if (!announced_) fix_targets(duration, static_cast<double>(last_video_duration_));
  ++counters_.segments;
  segment_.reset();
  evict();
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
  return common_frame_rate(static_cast<double>(video_samples_) / seconds(video_ticks_));
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
  update.delta_playlist = render_delta_update(playlist_).value_or(std::string());
  if (stream_config_) update.variant = variant();
  store_.publish(config_.stream_id, config_.rendition, std::move(update));
}

}  // namespace stagecast::hls
