#pragma once
// The chat rate limit of several nodes in Redis: a token bucket per (stream, user) in a Lua script
// (`burst` messages at once, refilled at burst/window, as the in-process ChatThrottle), timed by
// Redis's own clock so that the nodes' clocks do not matter. On its own connection with a short
// staleness bound: while Redis is away the gate answers "go on" (counted) and the rooms'
// in-process limits hold alone.

#include <memory>

#include "bus/redis/redis_client.h"
#include "core/metrics.h"
#include "platform/chat_throttle.h"
#include "realtime/chat_rate_gate.h"

namespace stagecast::realtime {

class RedisChatRateGate final : public ChatRateGate {
 public:
  RedisChatRateGate(platform::RateLimit limit, bus::redis::RedisClientOptions options,
                    MetricsRegistry& metrics);
  void start() { client_->start(); }
  void stop() { client_->stop(); }

  void check(const std::string& stream_id, const std::string& user_id,
             std::function<void(int64_t retry_after_ms)> done) override;

 private:
  platform::RateLimit limit_;
  std::unique_ptr<bus::redis::RedisClient> client_;
  Counter& limited_;
  Counter& unchecked_;
};

}  // namespace stagecast::realtime
