#include "core/retry_schedule.h"

#include <algorithm>

namespace stagecast {

RetrySchedule::RetrySchedule(RetryPolicy policy, std::function<double()> uniform01)
    : policy_(policy), uniform01_(std::move(uniform01)) {}

std::chrono::milliseconds RetrySchedule::delay_after(int attempts) const {
  const int exponent = std::clamp(attempts - 1, 0, 30);  // 2^30 * base is past any cap
  const double ceiling = std::min(
      static_cast<double>(policy_.cap.count()),
      static_cast<double>(policy_.base.count()) * static_cast<double>(int64_t{1} << exponent));
  const double drawn = ceiling / 2 * (1.0 + std::clamp(uniform01_(), 0.0, 1.0));
  return std::chrono::milliseconds(std::max<int64_t>(1, static_cast<int64_t>(drawn)));
}

}  // namespace stagecast
