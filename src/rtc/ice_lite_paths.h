#pragma once
// The paths of one ICE-lite session (RFC 8445 2.5) as the media port reports them, shared by
// WHIP and WHEP sessions: which path we send on, and whether consent (RFC 7675) still holds.
//
//  * Every path whose Binding request passed the port's checks is valid; the time of its last
//    check is kept.
//  * The controlling peer nominates (USE-CANDIDATE, RFC 8445 8.1.1): the nominated path is where
//    we send. Until a nomination, the newest valid path carries our answers (DTLS needs one).
//  * A closed selected path hands over to the newest other valid path until a new nomination.
//  * Consent expires when the selected path had no check for the timeout, or when no path was
//    selected for the timeout after one was lost.

#include <chrono>
#include <map>
#include <optional>

#include "rtc/rtc_media_port.h"

namespace stagecast::rtc {

class IceLitePaths {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  explicit IceLitePaths(TimePoint now) : unselected_since_(now) {}

  // Returns true when this check nominated a path that was not the nominated one before.
  bool on_binding(RtcPathId path, bool use_candidate, TimePoint now);
  void on_path_closed(RtcPathId path, TimePoint now);
  // An ICE restart: every path is forgotten; consent has a fresh timeout from `now`.
  void reset(TimePoint now);

  std::optional<RtcPathId> selected() const { return selected_; }
  bool is_selected(RtcPathId path) const { return selected_ == path; }
  bool empty() const { return paths_.empty(); }
  // `established`: the session had a working transport (a lost path before that is a timeout of
  // the connection, not of consent).
  bool consent_expired(TimePoint now, std::chrono::milliseconds timeout, bool established) const;

 private:
  std::map<RtcPathId, TimePoint> paths_;  // valid paths and their last successful check
  std::optional<RtcPathId> selected_;
  bool nominated_ = false;
  TimePoint unselected_since_;  // when the last selected path went away
};

}  // namespace stagecast::rtc
