#pragma once
// The command side of the Redis bus: a thread of its own with one connection, fed by a bounded
// queue, so no caller (an I/O thread publishing a chat line) ever waits on Redis. Commands are
// written in pipelined batches in queue order, so what one node publishes arrives in the order it
// was published. When Redis is unreachable the client keeps trying with exponential backoff
// (100 ms up to 5 s, jittered): the server starts and runs without it ("degraded", see
// connected() and the stagecast_bus_* metrics), and carries on when it comes back. Commands that
// cannot be sent are dropped and counted: queue full, older than `stale_after` (chat minutes late
// helps no one), or in a batch the connection broke under.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "bus/redis/redis_connection.h"
#include "bus/redis/redis_url.h"
#include "core/metrics.h"
#include "core/retry_schedule.h"

namespace stagecast::bus::redis {

struct RedisClientOptions {
  RedisEndpoint endpoint;
  std::string name = "commands";  // the `conn` label of the metrics, and in logs
  size_t max_queue = 20'000;
  size_t max_batch = 512;
  std::chrono::milliseconds timeout{2'000};  // connect and each round trip
  std::chrono::milliseconds stale_after{5'000};
  std::chrono::milliseconds idle_ping{2'000};
  RetryPolicy backoff{std::chrono::milliseconds(100), std::chrono::milliseconds(5'000), 1 << 30};
};

// Counts what happens to the connection; shared by the client and the subscriber.
struct RedisLinkMetrics {
  RedisLinkMetrics(MetricsRegistry& m, const std::string& conn);
  Gauge& connected;
  Counter& disconnects;
  Counter& connect_failures;
};

// Reconnect with backoff: the loop both connection threads run.
class RedisLink {
 public:
  RedisLink(const RedisClientOptions& options, MetricsRegistry& metrics);
  // A connection, opening one when needed; null (after waiting the backoff, or less when
  // `stopping` turns true) when Redis is unreachable.
  RedisConnection* ensure(const std::function<bool()>& stopping, std::condition_variable& cv,
                          std::unique_lock<std::mutex>& lock);
  // The connection broke: logged, counted, dropped.
  void lost(const Error& why);
  bool connected() const { return connected_.load(std::memory_order_acquire); }
  RedisConnection* get() { return conn_.get(); }

 private:
  const RedisClientOptions& options_;
  RedisLinkMetrics metrics_;
  RetrySchedule backoff_;
  std::unique_ptr<RedisConnection> conn_;
  std::atomic<bool> connected_{false};
  int failures_ = 0;
};

class RedisClient {
 public:
  // On the client's thread: the reply, or why there is none. Keep it short (post onward).
  using Callback = std::function<void(Result<Reply>)>;

  RedisClient(RedisClientOptions options, MetricsRegistry& metrics);
  ~RedisClient();  // stop()
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  void start();
  // Sends what is queued if connected (within one timeout), then joins the thread.
  void stop();

  // Any thread, never blocks. False (and counted) when the queue is full.
  bool send(Command argv, Callback done = {});
  bool connected() const { return link_.connected(); }
  const RedisClientOptions& options() const { return options_; }

 private:
  struct Pending {
    Command argv;
    Callback done;
    std::chrono::steady_clock::time_point queued_at;
  };
  void run();
  void fail(std::deque<Pending>& batch, const Error& why, Counter& counter);

  RedisClientOptions options_;
  RedisLink link_;
  Counter& sent_;
  Counter& dropped_full_;
  Counter& dropped_stale_;
  Counter& dropped_broken_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace stagecast::bus::redis
