#pragma once
// A fixed pool of threads for blocking work (database, disk, outbound HTTP), so that nothing
// blocking ever runs on an I/O thread. The queue is bounded: post() refuses work when full and
// the caller answers 503 instead of letting memory grow.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace stagecast {

class WorkerPool {
 public:
  WorkerPool(std::string name, size_t threads, size_t max_queue = 10'000);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Returns false (and drops the task) when the queue is full or the pool is stopping.
  bool post(std::function<void()> task);
  void stop();  // finishes queued work, joins the threads
  size_t queued() const;

 private:
  void run();

  std::string name_;
  size_t max_queue_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  bool stopping_ = false;
};

}  // namespace stagecast
