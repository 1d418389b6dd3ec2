#include "bus/redis/redis_subscriber.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <stdexcept>

namespace stagecast::bus::redis {

RedisSubscriber::RedisSubscriber(RedisClientOptions options, MetricsRegistry& metrics,
                                 Handler handler, OnSubscribed on_subscribed)
    : options_(std::move(options)),
      link_(options_, metrics),
      handler_(std::move(handler)),
      on_subscribed_(std::move(on_subscribed)),
      received_(metrics.counter("stagecast_bus_messages_received_total",
                                "Messages received from Redis Pub/Sub")) {
  if (pipe2(wake_fds_, O_NONBLOCK | O_CLOEXEC) != 0)
    throw std::runtime_error("redis subscriber: pipe2 failed");
}

RedisSubscriber::~RedisSubscriber() {
  stop();
  ::close(wake_fds_[0]);
  ::close(wake_fds_[1]);
}

void RedisSubscriber::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void RedisSubscriber::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  wake();
  if (thread_.joinable()) thread_.join();
}

void RedisSubscriber::wake() {
  const char b = 1;
  [[maybe_unused]] const auto n = ::write(wake_fds_[1], &b, 1);  // full pipe: already woken
}

void RedisSubscriber::subscribe(const std::string& channel) {
  {
    std::lock_guard lock(mu_);
    if (!wanted_.insert(channel).second) return;
    changes_.push_back({"SUBSCRIBE", channel});
  }
  wake();
}

void RedisSubscriber::unsubscribe(const std::string& channel) {
  {
    std::lock_guard lock(mu_);
    if (wanted_.erase(channel) == 0) return;
    changes_.push_back({"UNSUBSCRIBE", channel});
  }
  wake();
}

void RedisSubscriber::run() {
  std::unique_lock lock(mu_);
  const auto stopping = [this] { return stopping_; };
  while (!stopping_) {
    RedisConnection* conn = link_.ensure(stopping, cv_, lock);
    if (!conn) continue;
    // A new connection: everything wanted, in one SUBSCRIBE (the changes are in it already).
    changes_.clear();
    if (!wanted_.empty()) {
      Command all{"SUBSCRIBE"};
      all.insert(all.end(), wanted_.begin(), wanted_.end());
      if (auto w = conn->write({all}); !w) {
        link_.lost(w.error());
        continue;
      }
    }
    // Told once Redis confirmed every channel (a message published before that may be missed).
    confirmations_ = wanted_.size();
    if (confirmations_ == 0 && on_subscribed_) {
      lock.unlock();
      on_subscribed_();
      lock.lock();
    }
    if (!serve(*conn, lock)) continue;
  }
}

// Until the connection breaks (false) or the subscriber stops (true).
bool RedisSubscriber::serve(RedisConnection& conn, std::unique_lock<std::mutex>& lock) {
  while (!stopping_) {
    if (!changes_.empty()) {
      std::vector<Command> changes;
      changes.swap(changes_);
      if (auto w = conn.write(changes); !w) {
        link_.lost(w.error());
        return false;
      }
    }
    lock.unlock();
    pollfd fds[2] = {{conn.fd(), POLLIN, 0}, {wake_fds_[0], POLLIN, 0}};
    const int n = ::poll(fds, 2, 1000);
    if (n > 0 && (fds[1].revents & POLLIN)) {
      char buf[64];
      while (::read(wake_fds_[0], buf, sizeof buf) > 0) {
      }
    }
    if (n > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      auto r = conn.read();
      while (r) {
        auto reply = conn.next_reply();
        if (!reply) {
          r = reply.error();
          break;
        }
        if (!*reply) break;
        const Reply& m = **reply;
        // ["message", channel, payload]; subscribe confirmations are not messages.
        if (m.type == Reply::Type::kArray && m.elements.size() == 3 &&
            m.elements[0].str == "message") {
          received_.inc();
          handler_(m.elements[1].str, m.elements[2].str);
        } else if (m.type == Reply::Type::kArray && !m.elements.empty() &&
                   m.elements[0].str == "subscribe" && confirmations_ > 0) {
          if (--confirmations_ == 0 && on_subscribed_) on_subscribed_();
        }
      }
      if (!r) {
        lock.lock();
        link_.lost(r.error());
        return false;
      }
    }
    lock.lock();
  }
  return true;
}

}  // namespace stagecast::bus::redis
