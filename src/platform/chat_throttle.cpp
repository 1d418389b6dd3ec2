#include "platform/chat_throttle.h"

#include <algorithm>
#include <cmath>

namespace stagecast::platform {

double ChatThrottle::tokens_at(const UserState& s, int64_t now_ms) const {
  const double rate = static_cast<double>(limit_.burst) / static_cast<double>(limit_.window_ms);
  const double elapsed = static_cast<double>(std::max<int64_t>(0, now_ms - s.refilled_at));
  return std::min<double>(limit_.burst, s.tokens + elapsed * rate);
}

ThrottleVerdict ChatThrottle::check(const std::string& user, int64_t now_ms,
                                    int slow_mode_seconds, bool slow_mode_exempt) const {
  const auto it = users_.find(user);
  if (it == users_.end()) return {};
  const UserState& s = it->second;
  if (slow_mode_seconds > 0 && !slow_mode_exempt && s.last_message_at > 0) {
    const int64_t next = s.last_message_at + int64_t{slow_mode_seconds} * 1000;
    if (now_ms < next) return {false, "slow_mode", next - now_ms};
  }
  const double tokens = tokens_at(s, now_ms);
  if (tokens < 1.0) {
    const double rate = static_cast<double>(limit_.burst) / static_cast<double>(limit_.window_ms);
    const auto wait = static_cast<int64_t>(std::ceil((1.0 - tokens) / rate));
    return {false, "rate_limited", std::max<int64_t>(1, wait)};
  }
  return {};
}

void ChatThrottle::record(const std::string& user, int64_t now_ms) {
  auto [it, inserted] = users_.try_emplace(user);
  UserState& s = it->second;
  s.tokens = inserted ? static_cast<double>(limit_.burst) : tokens_at(s, now_ms);
  s.tokens = std::max(0.0, s.tokens - 1.0);
  s.refilled_at = now_ms;
  s.last_message_at = now_ms;
}

void ChatThrottle::prune(int64_t now_ms, int max_slow_mode_seconds) {
  for (auto it = users_.begin(); it != users_.end();) {
    const bool bucket_full = tokens_at(it->second, now_ms) >= limit_.burst;
    const bool slow_over =
        now_ms - it->second.last_message_at >= int64_t{max_slow_mode_seconds} * 1000;
    it = (bucket_full && slow_over) ? users_.erase(it) : std::next(it);
  }
}

}  // namespace stagecast::platform
