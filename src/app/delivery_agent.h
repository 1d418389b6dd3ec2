#pragma once
// The delivery agent (docs/notifications.md, "Delivery in a process of its own"): the email and
// push outboxes' workers run in a child process, the same binary started by the server with the
// server's own command line and two internal flags. The server keeps everything else (the
// fan-out, in-app notifications, the schedule) and wakes the agent through a pipe when rows are
// written.
//
// Why a process: an SMTP server or push service that has accepted a message cannot be asked
// whether it has, so a sender that dies between the receiver's acceptance and writing SENT sends
// that row again after a restart. The agent outlives a crash or SIGKILL of the server: it sees
// its pipe close, finishes the sends under way, writes their outcomes and exits; the rows it had
// claimed but not started are left to the next agent, which takes them back at once (leases name
// node and instance). A restarted server's agent waits for the old one to exit (a lock file in
// data_dir) before it takes anything back. Copies remain possible only if the agent itself dies
// mid-send (or the machine does): then at most one row per worker, as with in-process delivery.
//
// The server restarts an agent that dies (after a second), and at stop closes the pipe and waits
// for the sends under way, up to the SMTP or push timeout, before killing it.

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "platform/notification_events.h"

namespace stagecast::app {

// The server's own arguments (argv, without the program), kept by main() for the agent.
void remember_command_line(int argc, char** argv);

// main(): when argv carries the agent's internal flags, runs the agent to its end and returns its
// exit status; std::nullopt otherwise (run the server).
std::optional<int> run_delivery_agent_if_asked(int argc, char** argv,
                                               const std::vector<std::string>& env);

// The server's side of the agent. A NotificationEvents listener: new EMAIL or PUSH rows wake it.
class DeliveryAgentLink final : public platform::NotificationEvents {
 public:
  // `base_url`: the links in mails and pushes; `stop_timeout`: how long stop() waits for the
  // sends under way.
  DeliveryAgentLink(std::string base_url, std::chrono::milliseconds stop_timeout);
  ~DeliveryAgentLink() override;
  DeliveryAgentLink(const DeliveryAgentLink&) = delete;
  DeliveryAgentLink& operator=(const DeliveryAgentLink&) = delete;

  // Starts the agent and the thread that restarts it when it dies.
  void start();
  // Closes the agent's pipe (it finishes the sends under way and exits), waits up to
  // stop_timeout, then kills it.
  void stop();

  // An agent is running (false while it is being restarted, or could not be started).
  bool running();

  void in_app_created(const store::Notification&) override {}
  void pending_written(store::NotificationChannel channel) override;

 private:
  void supervise();
  bool spawn();  // under mu_

  std::string base_url_;
  std::chrono::milliseconds stop_timeout_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  pid_t pid_ = -1;     // the running agent, or -1
  int write_fd_ = -1;  // its pipe (non-blocking), or -1
  std::thread supervisor_;
};

}  // namespace stagecast::app
