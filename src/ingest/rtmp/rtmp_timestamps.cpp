#include "ingest/rtmp/rtmp_timestamps.h"

namespace stagecast::ingest::rtmp {

int64_t RtmpTimestampMapper::map(media::TrackKind kind, uint32_t rtmp_ms) {
  if (!have_origin_) {
    have_origin_ = true;
    origin_raw_ = rtmp_ms;
  }
  Track& t = tracks_[kind == media::TrackKind::Video ? 0 : 1];
  // Signed 32-bit difference: correct across the 2^32 wrap for steps under ~24 days.
  if (!t.started) {
    t.last_ext = static_cast<int32_t>(rtmp_ms - origin_raw_);
  } else {
    t.last_ext += static_cast<int32_t>(rtmp_ms - t.last_raw);
  }
  t.last_raw = rtmp_ms;
  int64_t ms = t.last_ext + t.offset;

  if (t.started) {
    const int64_t step = ms - t.last_ms;
    if (step > options_.max_forward_jump_ms || step < -options_.max_backward_jump_ms) {
      const int64_t bridge = t.nominal_step > 0 ? t.nominal_step : 1;
      t.offset += (t.last_ms + bridge) - ms;
      ms = t.last_ms + bridge;
      ++jumps_;
    } else if (step > 0) {
      t.nominal_step = step;
    }
  }
  int64_t dts = ms * (media::kTimescale / 1000);
  if (t.started && dts <= t.last_dts) dts = t.last_dts + 1;
  t.started = true;
  t.last_ms = ms;
  t.last_dts = dts;
  return dts;
}

}  // namespace stagecast::ingest::rtmp
