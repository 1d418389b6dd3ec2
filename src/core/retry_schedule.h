#pragma once
// When a failed delivery is tried again: exponential backoff with "equal jitter" (the delay is
// drawn uniformly in [d/2, d] with d = min(cap, base * 2^(attempt-1))): it always grows, so the
// retry limit spans a real outage, and it is spread, so that a mail server coming back is not hit
// by every queued mail in the same second. The random draw is passed in so tests control it.

#include <chrono>
#include <cstdint>
#include <functional>

namespace stagecast {

struct RetryPolicy {
  std::chrono::milliseconds base{1000};
  std::chrono::milliseconds cap{300'000};
  int max_attempts = 8;  // attempts in all, the first included; then FAILED
};

class RetrySchedule {
 public:
  // `uniform01` returns a number in [0, 1).
  RetrySchedule(RetryPolicy policy, std::function<double()> uniform01);

  // Whether a row that failed its `attempts`-th attempt may be tried again.
  bool may_retry(int attempts) const { return attempts < policy_.max_attempts; }
  // The delay before attempt `attempts + 1`, after `attempts` (>= 1) failed. At least 1 ms.
  std::chrono::milliseconds delay_after(int attempts) const;

  const RetryPolicy& policy() const { return policy_; }

 private:
  RetryPolicy policy_;
  std::function<double()> uniform01_;
};

}  // namespace stagecast
