#pragma once
// The signals a Stagecast process is stopped (SIGINT, SIGTERM) or reloaded (SIGHUP) by, blocked
// in the calling thread and every thread it starts afterwards, so that one place receives them
// (sigwait in the server's main thread, a signalfd in the delivery agent); SIGPIPE is ignored
// (a peer that went away is an error code, not a signal). Call before starting any thread.

#include <pthread.h>

#include <csignal>

namespace stagecast::app {

inline sigset_t block_stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return signals;
}

}  // namespace stagecast::app
