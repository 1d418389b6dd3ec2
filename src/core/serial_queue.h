#pragma once
// SerialQueue: tasks that must run one after another (a decoder, one rung's encoder) on a shared
// WorkerPool, without holding a pool thread while idle. Bounded: post() refuses work past the
// limit so that a stage that falls behind is seen (and handled) instead of growing memory.
// Shared ownership: a queued drain keeps the queue alive.

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "core/worker_pool.h"

namespace stagecast {

class SerialQueue : public std::enable_shared_from_this<SerialQueue> {
 public:
  static std::shared_ptr<SerialQueue> create(WorkerPool& pool, size_t max_tasks);
  struct Token {
   private:
    Token() = default;
    friend class SerialQueue;
  };
  SerialQueue(Token, WorkerPool& pool, size_t max_tasks) : pool_(pool), max_tasks_(max_tasks) {}

  // False when the queue is full or the pool refused the work; the task is dropped then.
  bool post(std::function<void()> task);
  // Like post(), ignoring the bound (end-of-stream and teardown tasks must not be lost).
  bool post_always(std::function<void()> task);
  // Drops the tasks not started yet.
  void clear();
  size_t size() const;

 private:
  bool push(std::function<void()> task, bool bounded);
  void drain();

  WorkerPool& pool_;
  const size_t max_tasks_;
  mutable std::mutex mu_;
  std::deque<std::function<void()>> tasks_;
  bool scheduled_ = false;
};

}  // namespace stagecast
