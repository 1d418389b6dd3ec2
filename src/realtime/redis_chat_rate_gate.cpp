#include "realtime/redis_chat_rate_gate.h"

namespace stagecast::realtime {

namespace {

// KEYS[1] bucket; ARGV: burst, window_ms. Returns 0 (taken) or the wait in ms.
constexpr const char* kTokenBucket = R"(
local burst = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local s = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(s[1]) or burst
local at = tonumber(s[2]) or now
tokens = math.min(burst, tokens + (now - at) * burst / window)
if tokens < 1 then
  return math.max(1, math.ceil((1 - tokens) * window / burst))
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - 1), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], window)
return 0
)";

}  // namespace

RedisChatRateGate::RedisChatRateGate(platform::RateLimit limit,
                                     bus::redis::RedisClientOptions options,
                                     MetricsRegistry& metrics)
    : limit_(limit),
      limited_(metrics.counter("stagecast_chat_shared_rate_limited_total",
                               "Chat messages refused by the rate limit shared by the nodes")),
      unchecked_(metrics.counter(
          "stagecast_chat_shared_rate_unchecked_total",
          "Chat messages let through unchecked by the shared rate limit (Redis away)")) {
  options.name = "ratelimit";
  // A message never waits long for Redis: the in-process limit takes over.
  options.stale_after = std::chrono::milliseconds(500);
  options.max_queue = 10'000;
  client_ = std::make_unique<bus::redis::RedisClient>(std::move(options), metrics);
}

void RedisChatRateGate::check(const std::string& stream_id, const std::string& user_id,
                              std::function<void(int64_t)> done) {
  if (!client_->connected()) {
    unchecked_.inc();
    done(0);
    return;
  }
  auto shared = std::make_shared<std::function<void(int64_t)>>(std::move(done));
  const bool queued =
      client_->send({"EVAL", kTokenBucket, "1", "stagecast:chatrate:" + stream_id + ":" + user_id,
                     std::to_string(limit_.burst), std::to_string(limit_.window_ms)},
                    [this, shared](Result<bus::redis::Reply> r) {
                      if (!r || r->type != bus::redis::Reply::Type::kInteger) {
                        unchecked_.inc();
                        (*shared)(0);
                        return;
                      }
                      if (r->integer > 0) limited_.inc();
                      (*shared)(r->integer);
                    });
  if (!queued) {
    unchecked_.inc();
    (*shared)(0);
  }
}

}  // namespace stagecast::realtime
