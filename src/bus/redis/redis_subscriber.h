#pragma once
// The SUBSCRIBE side of the Redis bus: one connection on a thread of its own that polls its
// socket and a wake-up pipe, so channels are added and removed while it waits for messages.
// The set of channels wanted is kept here; after a reconnect every one of them is subscribed
// again (what was published while the connection was down is lost, as with Redis Pub/Sub
// everywhere). Messages go to the handler on this thread, in the order Redis sent them.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bus/redis/redis_client.h"

namespace stagecast::bus::redis {

class RedisSubscriber {
 public:
  using Handler = std::function<void(std::string_view channel, std::string_view payload)>;
  // Told (on this thread) each time Redis confirmed every subscription on a new connection.
  using OnSubscribed = std::function<void()>;

  RedisSubscriber(RedisClientOptions options, MetricsRegistry& metrics, Handler handler,
                  OnSubscribed on_subscribed = {});
  ~RedisSubscriber();
  RedisSubscriber(const RedisSubscriber&) = delete;
  RedisSubscriber& operator=(const RedisSubscriber&) = delete;

  void start();
  void stop();

  // Any thread, never blocks.
  void subscribe(const std::string& channel);
  void unsubscribe(const std::string& channel);
  bool connected() const { return link_.connected(); }

 private:
  void run();
  void wake();
  bool serve(RedisConnection& conn, std::unique_lock<std::mutex>& lock);

  RedisClientOptions options_;
  RedisLink link_;
  Handler handler_;
  OnSubscribed on_subscribed_;
  Counter& received_;
  int wake_fds_[2] = {-1, -1};
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string> wanted_;
  std::vector<Command> changes_;  // SUBSCRIBE / UNSUBSCRIBE not yet written
  bool stopping_ = false;
  size_t confirmations_ = 0;  // subscribe confirmations still awaited on this connection (thread)
  std::thread thread_;
};

}  // namespace stagecast::bus::redis
