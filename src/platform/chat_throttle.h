#pragma once
// How often one user may post in one room: a per-user rate limit (token bucket: `burst`
// messages at once, refilled at burst/window, so "20 messages per 30 seconds" sustained) and the
// stream's slow mode (at least N seconds between two messages of the same user; the owner,
// moderators and admins are exempt, as on Twitch). Only accepted messages are counted: a refused
// message costs nothing, so a user told to wait is never punished twice.
// Times are unix milliseconds from the caller's (injectable) clock; not thread-safe: one room,
// one thread.

#include <cstdint>
#include <string>
#include <unordered_map>

namespace stagecast::platform {

struct RateLimit {
  int burst = 20;               // messages
  int64_t window_ms = 30'000;   // in which `burst` messages refill
};

struct ThrottleVerdict {
  bool allowed = true;
  const char* code = "";        // rate_limited | slow_mode
  int64_t retry_after_ms = 0;   // when a retry would be accepted
};

class ChatThrottle {
 public:
  explicit ChatThrottle(RateLimit limit) : limit_(limit) {}

  // Would a message of `user` be accepted now? Does not count it.
  ThrottleVerdict check(const std::string& user, int64_t now_ms, int slow_mode_seconds,
                        bool slow_mode_exempt) const;
  // Counts an accepted message.
  void record(const std::string& user, int64_t now_ms);
  // Drops users whose state no longer restricts them (full bucket, slow mode long over), so the
  // map holds only recent chatters.
  void prune(int64_t now_ms, int max_slow_mode_seconds);
  size_t tracked() const { return users_.size(); }

 private:
  struct UserState {
    double tokens = 0;
    int64_t refilled_at = 0;
    int64_t last_message_at = 0;
  };
  double tokens_at(const UserState& s, int64_t now_ms) const;

  RateLimit limit_;
  std::unordered_map<std::string, UserState> users_;
};

}  // namespace stagecast::platform
