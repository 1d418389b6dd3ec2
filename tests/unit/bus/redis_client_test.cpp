// RedisClient and RedisSubscriber against a real redis-server started here (loopback, an
// ephemeral port, no persistence): order, reconnect with resubscription after Redis was killed
// and restarted, and a client started while Redis is away.
#include "bus/redis/redis_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bus/redis/redis_subscriber.h"

extern char** environ;

namespace stagecast::bus::redis {
namespace {

using namespace std::chrono_literals;

uint16_t free_port() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

template <typename F>
bool eventually(F f, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (f()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return f();
}

class RedisServer {
 public:
  explicit RedisServer(uint16_t port) : port_(port) {
    dir_ = std::filesystem::temp_directory_path() / ("stagecast-redis-" + std::to_string(port));
    std::filesystem::create_directories(dir_);
  }
  ~RedisServer() {
    kill();
    std::filesystem::remove_all(dir_);
  }
  void start() {
    const std::string port = std::to_string(port_);
    std::vector<std::string> args = {"redis-server", "--bind", "127.0.0.1",  "--port",
                                     port,           "--save", "",           "--appendonly",
                                     "no",           "--dir",  dir_.string()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t quiet;  // its log is not the test's
    posix_spawn_file_actions_init(&quiet);
    posix_spawn_file_actions_addopen(&quiet, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    const int rc = posix_spawnp(&pid_, "redis-server", &quiet, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&quiet);
    ASSERT_EQ(rc, 0);
    ASSERT_TRUE(eventually([&] { return RedisConnection::open(endpoint(), 200ms).ok(); }));
  }
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  RedisEndpoint endpoint() const { return RedisEndpoint{"127.0.0.1", port_, 0, ""}; }

 private:
  uint16_t port_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
};

RedisClientOptions options(const RedisServer& server) {
  RedisClientOptions o;
  o.endpoint = server.endpoint();
  o.timeout = 500ms;
  o.idle_ping = 100ms;
  o.backoff.base = 20ms;
  o.backoff.cap = 100ms;
  return o;
}

struct Inbox {
  std::mutex mu;
  std::vector<std::string> got;
  std::atomic<int> subscribed{0};
  size_t size() {
    std::lock_guard l(mu);
    return got.size();
  }
};

TEST(RedisBus, PublishedInOrderThenResubscribedAfterRedisCameBack) {
  RedisServer server(free_port());
  server.start();
  MetricsRegistry metrics;
  Inbox inbox;
  auto o = options(server);
  RedisSubscriber sub(
      o, metrics,
      [&](std::string_view channel, std::string_view payload) {
        std::lock_guard l(inbox.mu);
        inbox.got.push_back(std::string(channel) + "=" + std::string(payload));
      },
      [&] { ++inbox.subscribed; });
  RedisClient pub(o, metrics);
  sub.subscribe("room:a");
  sub.start();
  pub.start();
  ASSERT_TRUE(eventually([&] { return inbox.subscribed >= 1 && pub.connected(); }));
  // A channel added while the subscriber waits for messages.
  sub.subscribe("room:b");
  std::atomic<int> subscribers{0};
  ASSERT_TRUE(eventually([&] {
    pub.send({"PUBSUB", "NUMSUB", "room:b"}, [&](Result<Reply> r) {
      if (r && r->elements.size() == 2) subscribers = static_cast<int>(r->elements[1].integer);
    });
    std::this_thread::sleep_for(20ms);
    return subscribers == 1;
  }));

  for (int i = 0; i < 1000; ++i)
    pub.send({"PUBLISH", i % 2 ? "room:a" : "room:b", std::to_string(i)});
  ASSERT_TRUE(eventually([&] { return inbox.size() == 1000; }));
  {
    std::lock_guard l(inbox.mu);
    for (int i = 0; i < 1000; ++i) {
      EXPECT_EQ(inbox.got[i], std::string(i % 2 ? "room:a=" : "room:b=") + std::to_string(i));
    }
    inbox.got.clear();
  }

  server.kill();
  ASSERT_TRUE(eventually([&] { return !sub.connected() && !pub.connected(); }));
  EXPECT_GE(metrics.counter("stagecast_bus_disconnects_total", "", "conn=\"commands\"").value(),
            1u);
  // Sent while Redis is away: held (bounded, up to stale_after) and sent once it is back, or
  // dropped; answered either way, never a hang.
  std::atomic<bool> answered{false};
  pub.send({"PUBLISH", "room:a", "held"}, [&](Result<Reply>) { answered = true; });
  server.start();
  ASSERT_TRUE(eventually([&] { return inbox.subscribed >= 2 && pub.connected(); }));
  ASSERT_TRUE(eventually([&] { return answered.load(); }));
  sub.unsubscribe("room:b");
  pub.send({"PUBLISH", "room:a", "back"});
  ASSERT_TRUE(eventually([&] {
    std::lock_guard l(inbox.mu);
    return !inbox.got.empty() && inbox.got.back() == "room:a=back";
  }));
}

TEST(RedisBus, StartsWhileRedisIsAwayAndConnectsWhenItComes) {
  RedisServer server(free_port());
  MetricsRegistry metrics;
  RedisClient client(options(server), metrics);
  client.start();
  ASSERT_TRUE(eventually(
      [&] {
        return metrics.counter("stagecast_bus_connect_failures_total", "", "conn=\"commands\"")
                   .value() >= 2;
      },
      5s));
  EXPECT_FALSE(client.connected());
  server.start();
  ASSERT_TRUE(eventually([&] { return client.connected(); }));
  std::atomic<long long> value{0};
  client.send({"INCRBY", "k", "41"});
  client.send({"INCR", "k"}, [&](Result<Reply> r) {
    if (r) value = r->integer;
  });
  ASSERT_TRUE(eventually([&] { return value == 42; }));
}

}  // namespace
}  // namespace stagecast::bus::redis
