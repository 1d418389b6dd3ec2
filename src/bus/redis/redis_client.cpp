#include "bus/redis/redis_client.h"

#include <spdlog/spdlog.h>

#include <random>

namespace stagecast::bus::redis {

RedisLinkMetrics::RedisLinkMetrics(MetricsRegistry& m, const std::string& conn)
    : connected(m.gauge("stagecast_bus_connected",
                        "1 while the connection to Redis is up, else 0 (bus degraded)",
                        "conn=\"" + conn + "\"")),
      disconnects(m.counter("stagecast_bus_disconnects_total", "Connections to Redis that broke",
                            "conn=\"" + conn + "\"")),
      connect_failures(m.counter("stagecast_bus_connect_failures_total",
                                 "Attempts to connect to Redis that failed",
                                 "conn=\"" + conn + "\"")) {}

RedisLink::RedisLink(const RedisClientOptions& options, MetricsRegistry& metrics)
    : options_(options),
      metrics_(metrics, options.name),
      backoff_(options.backoff, [rng = std::make_shared<std::mt19937_64>(std::random_device{}())] {
        return std::uniform_real_distribution<double>(0.0, 1.0)(*rng);  // one thread draws
      }) {}

RedisConnection* RedisLink::ensure(const std::function<bool()>& stopping,
                                   std::condition_variable& cv,
                                   std::unique_lock<std::mutex>& lock) {
  if (conn_ && !conn_->broken()) return conn_.get();
  conn_.reset();
  lock.unlock();
  auto opened = RedisConnection::open(options_.endpoint, options_.timeout);
  lock.lock();
  if (opened) {
    conn_ = std::move(*opened);
    if (failures_ > 0 || !connected_) {
      spdlog::info("bus: redis {} connected ({})", options_.endpoint.describe(), options_.name);
    }
    failures_ = 0;
    connected_.store(true, std::memory_order_release);
    metrics_.connected.set(1);
    return conn_.get();
  }
  metrics_.connect_failures.inc();
  if (failures_ == 0) {
    spdlog::warn("bus: redis unreachable ({}): {}; degraded, retrying", options_.name,
                 opened.error().message);
  }
  ++failures_;
  cv.wait_for(lock, backoff_.delay_after(std::min(failures_, 30)), stopping);
  return nullptr;
}

void RedisLink::lost(const Error& why) {
  conn_.reset();
  if (connected_.exchange(false, std::memory_order_acq_rel)) {
    metrics_.disconnects.inc();
    metrics_.connected.set(0);
    spdlog::warn("bus: redis connection lost ({}): {}; degraded, reconnecting", options_.name,
                 why.message);
  }
}

RedisClient::RedisClient(RedisClientOptions options, MetricsRegistry& metrics)
    : options_(std::move(options)),
      link_(options_, metrics),
      sent_(metrics.counter("stagecast_bus_commands_total", "Commands sent to Redis")),
      dropped_full_(metrics.counter("stagecast_bus_dropped_total",
                                    "Commands to Redis dropped unsent", "reason=\"queue_full\"")),
      dropped_stale_(metrics.counter("stagecast_bus_dropped_total",
                                     "Commands to Redis dropped unsent", "reason=\"stale\"")),
      dropped_broken_(metrics.counter("stagecast_bus_dropped_total",
                                      "Commands to Redis dropped unsent", "reason=\"broken\"")) {}

RedisClient::~RedisClient() {
  stop();
}

void RedisClient::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void RedisClient::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool RedisClient::send(Command argv, Callback done) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= options_.max_queue || stopping_) {
      dropped_full_.inc();
      return false;
    }
    queue_.push_back(Pending{std::move(argv), std::move(done), std::chrono::steady_clock::now()});
  }
  cv_.notify_one();
  return true;
}

void RedisClient::fail(std::deque<Pending>& batch, const Error& why, Counter& counter) {
  counter.inc(batch.size());
  for (auto& p : batch) {
    if (p.done) p.done(why);
  }
  batch.clear();
}

void RedisClient::run() {
  std::unique_lock lock(mu_);
  const auto stopping = [this] { return stopping_; };
  std::deque<Pending> batch;
  while (true) {
    // Connects as soon as it can (not only when there is something to send), so that the state
    // it reports is Redis's now; an idle connection is checked with a PING now and then.
    const bool woken = cv_.wait_for(lock, options_.idle_ping, [this] {
      return stopping_ || !queue_.empty() || !link_.connected();
    });
    if (stopping_ && (queue_.empty() || !link_.connected())) break;
    RedisConnection* conn = link_.ensure(stopping, cv_, lock);
    if (conn && !woken && queue_.empty()) {
      lock.unlock();
      auto pong = conn->command({"PING"});
      lock.lock();
      if (!pong) link_.lost(pong.error());
      continue;
    }
    // Whatever waited too long while Redis was away is dropped rather than sent late.
    const auto now = std::chrono::steady_clock::now();
    while (!queue_.empty() && now - queue_.front().queued_at > options_.stale_after) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    if (!batch.empty()) {
      lock.unlock();
      fail(batch, make_error("unavailable", "redis: not sent in time"), dropped_stale_);
      lock.lock();
    }
    if (!conn) continue;
    while (!queue_.empty() && batch.size() < options_.max_batch) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    if (batch.empty()) continue;
    lock.unlock();
    std::vector<Command> commands;
    commands.reserve(batch.size());
    for (auto& p : batch) commands.push_back(std::move(p.argv));
    auto replies = conn->pipeline(commands);
    if (!replies) {
      fail(batch, replies.error(), dropped_broken_);
      lock.lock();
      link_.lost(replies.error());
      continue;
    }
    sent_.inc(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].done) batch[i].done(std::move((*replies)[i]));
    }
    batch.clear();
    lock.lock();
  }
}

}  // namespace stagecast::bus::redis
