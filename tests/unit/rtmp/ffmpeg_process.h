#pragma once
// Runs real RTMP publishers (/usr/bin/ffmpeg, GStreamer) for the end-to-end tests.

#include <signal.h>
#include <spawn.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace stagecast::test {

// A child process (argv[0] is a full path) with stderr in `log_path`.
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, std::string log_path) : log_path_(std::move(log_path)) {
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (posix_spawn(&pid_, cargv[0], &actions, nullptr, cargv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~ChildProcess() {
    if (pid_ > 0 && !waited_) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Exit status (128 + signal when killed), -1 if it could not start. A publisher still running
  // after `limit` is killed, so a hung test cannot hang CI.
  int wait(std::chrono::seconds limit = std::chrono::seconds(60)) {
    if (pid_ <= 0) return -1;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!waited_) {
      int status = 0;
      const pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        waited_ = true;
        code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        break;
      }
      if (r < 0) {
        waited_ = true;
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) ::kill(pid_, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return code_;
  }
  void kill_hard() {
    if (pid_ > 0 && !waited_) ::kill(pid_, SIGKILL);
  }
  void interrupt() {
    if (pid_ > 0 && !waited_) ::kill(pid_, SIGTERM);
  }
  std::string log() const {
    std::ifstream in(log_path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  std::string log_path_;
  pid_t pid_ = -1;
  bool waited_ = false;
  int code_ = -1;
};

class FfmpegProcess : public ChildProcess {
 public:
  // `args` go after "ffmpeg -hide_banner -nostdin -loglevel error".
  FfmpegProcess(const std::vector<std::string>& args, std::string log_path)
      : ChildProcess(with_ffmpeg(args), std::move(log_path)) {}

 private:
  static std::vector<std::string> with_ffmpeg(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/usr/bin/ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
};

// ffmpeg arguments for a test-pattern publisher to `url`.
inline std::vector<std::string> publish_args(const std::string& url, const std::string& size, double seconds) {
  return {"-re", "-f", "lavfi", "-i", "testsrc2=size=" + size + ":rate=30", "-f", "lavfi", "-i",
          "sine=frequency=440:sample_rate=48000", "-c:v", "libx264", "-preset", "veryfast", "-tune",
          "zerolatency", "-g", "60", "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-t",
          std::to_string(seconds), "-f", "flv", url};
}

}  // namespace stagecast::test
