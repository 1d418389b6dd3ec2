#pragma once
// One io_context per thread; a connection is bound to one context for its whole life, so its
// handlers never race with each other and need no strand.
//
// Teardown: objects owned by one context's pending handlers (a WebSocket coroutine holding the
// last reference to a room) may own I/O objects of another context (the room's timer). Every
// context's services are shut down (pending handlers destroyed) before any context is
// destroyed, so no handler outlives the services of the objects it frees.

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <thread>
#include <vector>

namespace stagecast::net {

class IoPool {
 public:
  explicit IoPool(size_t threads);
  ~IoPool();
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  void start();
  void stop();                      // stops every context and joins the threads
  boost::asio::io_context& next();  // round robin
  boost::asio::io_context& at(size_t i) { return *contexts_[i]; }
  size_t size() const { return contexts_.size(); }
  std::vector<boost::asio::io_context*> contexts() const;
  // The context whose run() this thread is in, if it is one of a pool's threads.
  static boost::asio::io_context* current();

 private:
  using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  // An io_context whose services can be shut down ahead of its destruction.
  struct Context : boost::asio::io_context {
    using io_context::io_context;
    void shut_down_services() { shutdown(); }
  };
  std::vector<std::unique_ptr<Context>> contexts_;
  std::vector<WorkGuard> guards_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> next_{0};
};

}  // namespace stagecast::net
