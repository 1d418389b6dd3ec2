#include "rtc/ice_lite_paths.h"

namespace stagecast::rtc {

bool IceLitePaths::on_binding(RtcPathId path, bool use_candidate, TimePoint now) {
  const bool known = paths_.contains(path);
  paths_[path] = now;
  if (use_candidate && (!nominated_ || selected_ != path)) {
    selected_ = path;
    nominated_ = true;
    return true;
  }
  if (!selected_ || (!nominated_ && !known)) selected_ = path;
  return false;
}

void IceLitePaths::on_path_closed(RtcPathId path, TimePoint now) {
  paths_.erase(path);
  if (selected_ != path) return;
  selected_.reset();
  nominated_ = false;
  unselected_since_ = now;
  TimePoint newest{};
  for (const auto& [id, at] : paths_) {
    if (!selected_ || at > newest) {
      selected_ = id;
      newest = at;
    }
  }
}

void IceLitePaths::reset(TimePoint now) {
  paths_.clear();
  selected_.reset();
  nominated_ = false;
  unselected_since_ = now;
}

bool IceLitePaths::consent_expired(TimePoint now, std::chrono::milliseconds timeout,
                                   bool established) const {
  if (selected_) {
    auto it = paths_.find(*selected_);
    return it != paths_.end() && now - it->second >= timeout;
  }
  return established && now - unselected_since_ >= timeout;
}

}  // namespace stagecast::rtc
