#include "core/serial_queue.h"

namespace stagecast {
namespace {
// Tasks run per pool job before the queue yields its thread to other streams' work.
constexpr int kBatch = 8;
}  // namespace

std::shared_ptr<SerialQueue> SerialQueue::create(WorkerPool& pool, size_t max_tasks) {
  return std::make_shared<SerialQueue>(Token{}, pool, max_tasks);
}

bool SerialQueue::post(std::function<void()> task) { return push(std::move(task), true); }
bool SerialQueue::post_always(std::function<void()> task) { return push(std::move(task), false); }

bool SerialQueue::push(std::function<void()> task, bool bounded) {
  std::lock_guard lock(mu_);
  if (bounded && tasks_.size() >= max_tasks_) return false;
  tasks_.push_back(std::move(task));
  if (scheduled_) return true;
  scheduled_ = true;
  if (!pool_.post([self = shared_from_this()] { self->drain(); })) {
    scheduled_ = false;
    tasks_.pop_back();
    return false;
  }
  return true;
}

void SerialQueue::clear() {
  std::lock_guard lock(mu_);
  tasks_.clear();
}

size_t SerialQueue::size() const {
  std::lock_guard lock(mu_);
  return tasks_.size();
}

void SerialQueue::drain() {
  for (int i = 0; i < kBatch; ++i) {
    std::function<void()> task;
    {
      std::lock_guard lock(mu_);
      if (tasks_.empty()) {
        scheduled_ = false;
        return;
      }
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
  std::lock_guard lock(mu_);
  if (tasks_.empty()) {
    scheduled_ = false;
  } else if (!pool_.post([self = shared_from_this()] { self->drain(); })) {
    // The pool is stopping: what is left will not run.
    tasks_.clear();
    scheduled_ = false;
  }
}

}  // namespace stagecast
