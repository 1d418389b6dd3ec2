#pragma once
// Which rendition a WebRTC viewer should get, from what its browser tells us (docs/webrtc.md,
// "Renditions"): the receive estimate it sends as REMB, and its path refusing packets. Like a
// simulcast layer switch in an SFU, a move happens at the new rendition's next key frame; this
// class only decides, with hysteresis so that one noisy estimate never flips a viewer:
//
//   down   the estimate stayed under `down_margin` x the current rendition's rate for
//          `down_after`: to the highest rendition that fits under the estimate (else the
//          lowest). A path that refuses packets goes one down at once.
//   up     the estimate stayed over `up_margin` x the next higher rendition's rate for
//          `up_after`: one up. A receiver's estimate seldom climbs much past what it receives
//          (Chromium's REMB settles near 1.6x the incoming rate), so a viewer moved down would
//          never qualify: one whose estimate stays over `probe_margin` x its current rate for
//          `probe_after` tries one up anyway. A try that ends in a move down within
//          `probe_failed_within` doubles that wait (up to `probe_after_max`); one that holds
//          resets it.
//   never  during `warmup` after the start (the browser's estimate ramps up from nothing), nor
//          within `settle` of the last move.
//
// Rates are the renditions' measured bitrates where known, else their encoders' targets; a
// rendition whose rate is unknown (0) is never moved up to. Not thread-safe (one per viewer).

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>

namespace stagecast::whep {

struct RenditionChoiceOptions {
  std::chrono::milliseconds warmup{5'000};
  std::chrono::milliseconds settle{4'000};
  std::chrono::milliseconds down_after{2'000};
  std::chrono::milliseconds up_after{6'000};
  double down_margin = 0.85;
  double up_margin = 1.3;
  double probe_margin = 1.25;
  std::chrono::milliseconds probe_after{6'000};
  std::chrono::milliseconds probe_after_max{60'000};
  std::chrono::milliseconds probe_failed_within{10'000};
};

class RenditionChoice {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  RenditionChoice(TimePoint started, RenditionChoiceOptions options = {})
      : options_(options), last_move_(started), probe_wait_(options.probe_after) {}

  // `rates`: each rendition's bitrate, highest first; `at`: the current one. The index to move
  // to, or nullopt to stay.
  std::optional<size_t> on_estimate(TimePoint now, uint64_t estimate_bps,
                                    std::span<const uint64_t> rates, size_t at);
  // The viewer's path refused a packet.
  std::optional<size_t> on_congested(TimePoint now, size_t renditions, size_t at);
  // A move took effect, up or down.
  void moved(TimePoint now, bool up);
  // How long the estimate must allow a try before one is made (grows with failed tries).
  std::chrono::milliseconds probe_wait() const { return probe_wait_; }

 private:
  const RenditionChoiceOptions options_;
  TimePoint last_move_;
  std::optional<TimePoint> low_since_;
  std::optional<TimePoint> high_since_;
  bool started_ = false;
  std::optional<TimePoint> last_up_;
  std::chrono::milliseconds probe_wait_;
};

}  // namespace stagecast::whep
