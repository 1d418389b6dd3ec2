#include "record/upload_queue.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "record/object_store.h"

namespace stagecast::record {

Attempt classify_store_result(const Result<void>& r, const std::string& what) {
  if (r) return Attempt::kDone;
  if (r.error().code == errc::kInvalid) {
    spdlog::error("record: {} refused for good: {}", what, r.error().message);
    return Attempt::kGiveUp;
  }
  spdlog::warn("record: {} failed, will retry: {}", what, r.error().message);
  return Attempt::kRetry;
}

UploadQueue::UploadQueue(Spool& spool, size_t threads, BackoffPolicy backoff)
    : spool_(spool), backoff_(backoff) {
  for (size_t i = 0; i < std::max<size_t>(1, threads); ++i) threads_.emplace_back([this] { run(); });
}

UploadQueue::~UploadQueue() { stop(std::chrono::steady_clock::now()); }

void UploadQueue::push(UploadTask task) {
  {
    std::lock_guard lock(mu_);
    lanes_[task.recording_id];
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

size_t UploadQueue::pending() const {
  std::lock_guard lock(mu_);
  return tasks_.size() + running_;
}

std::optional<size_t> UploadQueue::next_ready(std::chrono::steady_clock::time_point now,
                                              std::chrono::steady_clock::time_point* wake) const {
  std::vector<const std::string*> seen;  // a recording's later tasks wait behind its first
  for (size_t i = 0; i < tasks_.size(); ++i) {
    const std::string& rec = tasks_[i].recording_id;
    if (std::any_of(seen.begin(), seen.end(), [&](const std::string* s) { return *s == rec; }))
      continue;
    seen.push_back(&rec);
    const Lane& lane = lanes_.at(rec);
    if (lane.busy) continue;
    if (lane.not_before > now) {
      *wake = std::min(*wake, lane.not_before);
      continue;
    }
    return i;
  }
  return std::nullopt;
}

void UploadQueue::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (stopping_) return;
    const auto now = std::chrono::steady_clock::now();
    auto wake = std::chrono::steady_clock::time_point::max();
    const auto index = next_ready(now, &wake);
    if (!index) {
      if (wake == std::chrono::steady_clock::time_point::max())
        cv_.wait(lock);
      else
        cv_.wait_until(lock, wake);
      continue;
    }
    UploadTask task = std::move(tasks_[*index]);
    tasks_.erase(tasks_.begin() + static_cast<std::ptrdiff_t>(*index));
    Lane& lane = lanes_[task.recording_id];
    lane.busy = true;
    ++running_;
    lock.unlock();
    const Attempt outcome = task.run ? task.run() : Attempt::kDone;
    if (outcome != Attempt::kRetry && task.entry) spool_.remove(*task.entry);
    lock.lock();
    --running_;
    Lane& after = lanes_[task.recording_id];
    after.busy = false;
    if (outcome == Attempt::kRetry) {
      ++retries_;
      after.failures = std::min(after.failures + 1, 30);
      auto delay = backoff_.initial * (1LL << std::min(after.failures - 1, 20));
      after.not_before = std::chrono::steady_clock::now() +
                         std::min<std::chrono::milliseconds>(delay, backoff_.max);
      tasks_.push_front(std::move(task));  // keeps its place: first of its recording again
    } else {
      after.failures = 0;
      after.not_before = {};
      const bool more = std::any_of(tasks_.begin(), tasks_.end(), [&](const UploadTask& t) {
        return t.recording_id == task.recording_id;
      });
      if (!more) lanes_.erase(task.recording_id);
    }
    if (tasks_.empty() && running_ == 0) drained_.notify_all();
    cv_.notify_all();
  }
}

bool UploadQueue::stop(std::chrono::steady_clock::time_point deadline) {
  bool drained = false;
  {
    std::unique_lock lock(mu_);
    if (threads_.empty()) return tasks_.empty();
    drained = drained_.wait_until(lock, deadline, [&] { return tasks_.empty() && running_ == 0; });
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
  return drained;
}

}  // namespace stagecast::record
