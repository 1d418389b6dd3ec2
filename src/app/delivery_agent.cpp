#include "app/delivery_agent.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "app/config.h"
#include "app/generated_secret.h"
#include "app/node_identity.h"
#include "app/notify_wiring.h"
#include "app/stop_signals.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/random.h"
#include "store/store.h"

extern char** environ;

namespace stagecast::app {
namespace {

constexpr std::string_view kFdFlag = "--notify-agent-fd=";
constexpr std::string_view kBaseUrlFlag = "--notify-agent-base-url=";
constexpr char kWakeEmail = 'e';
constexpr char kWakePush = 'p';

std::vector<std::string>& command_line() {
  static std::vector<std::string> args;
  return args;
}

// One agent per data directory at a time. A restarted server's agent waits here while the agent
// of the server that died finishes its sends: only then are that agent's leases taken back.
int lock_data_dir(const std::string& data_dir) {
  const auto path = std::filesystem::path(data_dir) / "notify-agent.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    spdlog::info("delivery agent: waiting for the previous agent to finish its sends");
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno != EINTR) {
        ::close(fd);
        return -1;
      }
    }
  }
  return fd;  // held until the process ends
}

int agent_main(Config config, int pipe_fd, const std::string& base_url) {
  // The stop signals arrive on a descriptor, like the server's pipe; blocked before any thread.
  const sigset_t signals = block_stop_signals();
  const int signal_fd = ::signalfd(-1, &signals, SFD_CLOEXEC);

  if (config.node_id.empty()) {
    auto id = stored_node_id(config.data_dir);
    if (!id) {
      spdlog::critical("delivery agent: node id: {}", id.error().message);
      return 1;
    }
    config.node_id = std::move(id).value();
  }
  if (lock_data_dir(config.data_dir) < 0) {
    spdlog::critical("delivery agent: cannot lock {}/notify-agent.lock: {}", config.data_dir,
                     std::strerror(errno));
    return 1;
  }
  // Background work: the agent takes only the CPU the server leaves over (every thread it starts
  // inherits the policy), so a fan-out never delays chat or playlists (bench/notify).
  sched_param idle{};
  if (::sched_setscheduler(0, SCHED_IDLE, &idle) != 0) {
    spdlog::warn("delivery agent: SCHED_IDLE refused ({}); sending at nice 10",
                 std::strerror(errno));
  }
  SystemClock clock;
  store::StoreOptions store_options;
  store_options.clock = &clock;
  store_options.busy_timeout_ms = static_cast<int>(config.store_timeout_ms);
  store_options.read_connections = 1;
  auto store = store::open_store(store_url_of(config), store_options);
  if (!store) {
    spdlog::critical("delivery agent: opening the store: {}", store.error().message);
    return 1;
  }
  auto secret =
      secret_or_generated(config.auth_jwt_secret, config.data_dir, "jwt_secret", config.production);
  if (!secret) {
    spdlog::critical("delivery agent: auth.jwt_secret: {}", secret.error().message);
    return 1;
  }
  NotifyWiring w;
  try {
    wire_delivery(config, w, **store, clock);
  } catch (const std::exception& e) {
    spdlog::critical("delivery agent: {}", e.what());
    return 1;
  }
  w.unsubscribe = std::make_unique<platform::UnsubscribeTokens>(*secret);
  w.start_outboxes(config, base_url, **store, clock, {config.node_id, random_id()});
  spdlog::info("delivery agent {}: sending email and push", ::getpid());

  pollfd fds[2] = {{pipe_fd, POLLIN, 0}, {signal_fd, POLLIN, 0}};
  for (;;) {
    if (::poll(fds, signal_fd >= 0 ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("delivery agent: poll: {}", std::strerror(errno));
      break;
    }
    if (signal_fd >= 0 && (fds[1].revents & POLLIN)) {
      signalfd_siginfo info{};
      if (::read(signal_fd, &info, sizeof info) > 0 && info.ssi_signo == SIGHUP) continue;
      spdlog::info("delivery agent: signal {}: finishing the sends under way", info.ssi_signo);
      break;
    }
    if (fds[0].revents == 0) continue;
    char wakes[64];
    const ssize_t n = ::read(pipe_fd, wakes, sizeof wakes);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      // The server stopped, or died: what was accepted gets its outcome written before we go.
      spdlog::info("delivery agent: the server is gone; finishing the sends under way");
      break;
    }
    for (ssize_t i = 0; i < n; ++i) {
      if (wakes[i] == kWakeEmail && w.email) {
        w.email->pending_written(store::NotificationChannel::kEmail);
      } else if (wakes[i] == kWakePush && w.push) {
        w.push->pending_written(store::NotificationChannel::kPush);
      }
    }
  }
  w.stop_outboxes();
  spdlog::info("delivery agent {}: stopped", ::getpid());
  return 0;
}

}  // namespace

void remember_command_line(int argc, char** argv) {
  command_line().assign(argv + 1, argv + argc);
}

std::optional<int> run_delivery_agent_if_asked(int argc, char** argv,
                                               const std::vector<std::string>& env) {
  std::optional<int> fd;
  std::string base_url;
  std::vector<const char*> rest;
  for (int i = 0; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a.starts_with(kFdFlag)) {
      int v = -1;
      const auto digits = a.substr(kFdFlag.size());
      if (std::from_chars(digits.data(), digits.data() + digits.size(), v).ec == std::errc()) {
        fd = v;
      }
    } else if (a.starts_with(kBaseUrlFlag)) {
      base_url = a.substr(kBaseUrlFlag.size());
    } else {
      rest.push_back(argv[i]);
    }
  }
  if (!fd) return std::nullopt;
  auto loaded = load_config(static_cast<int>(rest.size()), rest.data(), env);
  if (!loaded) {
    spdlog::critical("delivery agent: {}", loaded.error().message);
    return 2;
  }
  setup_logging(loaded->config.log_level,
                loaded->config.log_format == "json" ? LogFormat::Json : LogFormat::Text);
  return agent_main(loaded->config, *fd, base_url);
}

DeliveryAgentLink::DeliveryAgentLink(std::string base_url, std::chrono::milliseconds stop_timeout)
    : base_url_(std::move(base_url)), stop_timeout_(stop_timeout) {}

DeliveryAgentLink::~DeliveryAgentLink() {
  stop();
}

void DeliveryAgentLink::start() {
  std::lock_guard lock(mu_);
  if (supervisor_.joinable() || stopping_) return;
  spawn();
  supervisor_ = std::thread([this] { supervise(); });
}

bool DeliveryAgentLink::spawn() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) {
    spdlog::error("delivery agent: pipe: {}", std::strerror(errno));
    return false;
  }
  std::vector<std::string> args;
  args.emplace_back("stagecast");
  for (const auto& a : command_line()) args.push_back(a);
  args.push_back(std::string(kFdFlag) + "3");
  args.push_back(std::string(kBaseUrlFlag) + base_url_);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The pipe's read end becomes descriptor 3; nothing else of the server (listening sockets,
  // the database) is inherited.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, p[0], 3);
  posix_spawn_file_actions_addclosefrom_np(&actions, 4);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(p[0]);
  if (rc != 0) {
    ::close(p[1]);
    spdlog::error("delivery agent: cannot start it: {}", std::strerror(rc));
    return false;
  }
  ::fcntl(p[1], F_SETFL, ::fcntl(p[1], F_GETFL) | O_NONBLOCK);
  pid_ = pid;
  write_fd_ = p[1];
  spdlog::info("delivery agent started (pid {})", pid);
  return true;
}

void DeliveryAgentLink::supervise() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (pid_ < 0) {
      // It could not be started: try again in a while.
      cv_.wait_for(lock, std::chrono::seconds(5), [this] { return stopping_; });
      if (!stopping_) spawn();
      continue;
    }
    const pid_t pid = pid_;
    lock.unlock();
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    lock.lock();
    pid_ = -1;
    if (write_fd_ >= 0) ::close(write_fd_);
    write_fd_ = -1;
    cv_.notify_all();
    if (stopping_) break;
    if (WIFSIGNALED(status)) {
      spdlog::error("delivery agent {} killed by signal {}; starting another in 1 s", pid,
                    WTERMSIG(status));
    } else {
      spdlog::error("delivery agent {} exited ({}); starting another in 1 s", pid,
                    WEXITSTATUS(status));
    }
    cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
    if (!stopping_) spawn();
  }
}

void DeliveryAgentLink::stop() {
  std::unique_lock lock(mu_);
  if (!stopping_) {
    stopping_ = true;
    // The agent reads the end of its pipe: it finishes the sends under way and exits.
    if (write_fd_ >= 0) ::close(write_fd_);
    write_fd_ = -1;
    cv_.notify_all();
    if (!cv_.wait_for(lock, stop_timeout_, [this] { return pid_ < 0; })) {
      spdlog::warn("delivery agent {} did not stop within {} ms: killed", pid_,
                   stop_timeout_.count());
      ::kill(pid_, SIGKILL);
    }
  }
  lock.unlock();
  if (supervisor_.joinable()) supervisor_.join();
}

bool DeliveryAgentLink::running() {
  std::lock_guard lock(mu_);
  return pid_ >= 0;
}

void DeliveryAgentLink::pending_written(store::NotificationChannel channel) {
  const char wake = channel == store::NotificationChannel::kEmail ? kWakeEmail : kWakePush;
  std::lock_guard lock(mu_);
  // Non-blocking: a full pipe already holds wakes enough.
  if (write_fd_ >= 0) {
    [[maybe_unused]] const ssize_t n = ::write(write_fd_, &wake, 1);
  }
}

}  // namespace stagecast::app
