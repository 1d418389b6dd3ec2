#include "hls/program_date_time_anchor.h"

#include <cstdlib>

namespace stagecast::hls {

int64_t ProgramDateTimeAnchor::anchor_session(int64_t session_start, int64_t now_unix_ms) {
  std::lock_guard lock(mu_);
  for (const auto& a : anchors_) {
    if (std::llabs(a.timeline - session_start) <= kSameSession)
      return a.unix_ms + (session_start - a.timeline) / 90;
  }
  if (anchors_.size() >= kMaxAnchors) anchors_.erase(anchors_.begin());
  anchors_.push_back(Anchor{session_start, now_unix_ms});
  return now_unix_ms;
}

}  // namespace stagecast::hls
