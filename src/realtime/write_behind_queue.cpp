#include "realtime/write_behind_queue.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "platform/errors.h"

namespace stagecast::realtime {

WriteBehindQueue::WriteBehindQueue(platform::ChatService& chat, WorkerPool& workers,
                                   boost::asio::io_context& timer_io, MetricsRegistry& metrics,
                                   WriteBehindOptions options)
    : chat_(chat),
      workers_(workers),
      options_(options),
      retry_timer_(timer_io),
      queued_(metrics.gauge("stagecast_realtime_write_queue",
                            "Chat and presence writes waiting for the database")),
      failures_(metrics.counter("stagecast_realtime_write_failures_total",
                                "Chat and presence writes that failed (database unavailable) "
                                "and will be retried")),
      dropped_full_(metrics.counter("stagecast_realtime_writes_dropped_total",
                                    "Chat and presence writes given up", "reason=\"full\"")),
      dropped_rejected_(metrics.counter("stagecast_realtime_writes_dropped_total",
                                        "Chat and presence writes given up",
                                        "reason=\"rejected\"")),
      persisted_(metrics.counter("stagecast_chat_messages_persisted_total",
                                 "Chat messages written to the database")) {}

WriteBehindQueue::~WriteBehindQueue() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  retry_timer_.cancel();
  idle_cv_.wait(lock, [this] { return !draining_; });
}

bool WriteBehindQueue::append_chat(const store::ChatMessage& message, ChatStored on_stored) {
  Task t;
  t.kind = Task::Kind::kChat;
  t.message = message;
  t.on_stored = std::move(on_stored);
  std::lock_guard lock(mu_);
  return push(std::move(t));
}

uint64_t WriteBehindQueue::viewer_joined(const store::StreamViewer& viewer) {
  Task t;
  t.kind = Task::Kind::kViewerJoin;
  t.viewer = viewer;
  std::lock_guard lock(mu_);
  t.key = next_key_++;
  const uint64_t key = t.key;
  return push(std::move(t)) ? key : 0;
}

void WriteBehindQueue::viewer_left(uint64_t key, int64_t left_at) {
  if (key == 0) return;
  Task t;
  t.kind = Task::Kind::kViewerLeave;
  t.key = key;
  t.at = left_at;
  std::lock_guard lock(mu_);
  push(std::move(t));
}

void WriteBehindQueue::viewer_stats(const std::string& stream_id, int64_t current_viewers,
                                    int64_t unique_viewers) {
  std::lock_guard lock(mu_);
  Stats& s = stats_[stream_id];
  s.current = std::max(s.current, current_viewers);
  s.unique = std::max(s.unique, unique_viewers);
  kick();
}

bool WriteBehindQueue::push(Task task) {
  if (stopping_ || queue_.size() >= options_.max_tasks) {
    dropped_full_.inc();
    return false;
  }
  queue_.push_back(std::move(task));
  queued_.set(static_cast<int64_t>(queue_.size()));
  kick();
  return true;
}

void WriteBehindQueue::kick() {
  if (draining_ || retry_pending_ || stopping_) return;
  draining_ = true;
  if (!workers_.post([this] { drain(); })) {
    draining_ = false;
    schedule_retry();
  }
}

void WriteBehindQueue::drain() {
  std::unique_lock lock(mu_);
  while (!stopping_ && (!queue_.empty() || !stats_.empty())) {
    if (run_next(lock) == Outcome::kRetry) {
      schedule_retry();
      break;
    }
  }
  draining_ = false;
  idle_cv_.notify_all();
}

bool WriteBehindQueue::failed(const Error& e, std::string_view what) {
  if (e.code == platform::errc::kDbUnavailable) {
    failures_.inc();
    if (failure_streak_++ % 100 == 0) {
      spdlog::warn("realtime: {} failed ({}); {} writes queued, retrying", what, e.message,
                   queue_.size());
    }
    return true;
  }
  dropped_rejected_.inc();
  spdlog::warn("realtime: {} refused by the database ({}: {}); dropped", what, e.code, e.message);
  return false;
}

void WriteBehindQueue::succeeded() {
  if (failure_streak_ > 0) {
    spdlog::info("realtime: database writes resumed after {} failed attempts", failure_streak_);
  }
  failure_streak_ = 0;
  backoff_ = std::chrono::milliseconds(0);
}

WriteBehindQueue::Outcome WriteBehindQueue::run_chat(std::unique_lock<std::mutex>& lock) {
  // Copies run; the originals stay queued (and visible to moderate_pending) until they are done.
  const size_t limit = singles_ > 0 ? 1 : std::max<size_t>(1, options_.chat_batch);
  std::vector<store::ChatMessage> batch;
  for (const Task& t : queue_) {
    if (t.kind != Task::Kind::kChat || batch.size() == limit) break;
    batch.push_back(t.message);
  }
  lock.unlock();
  auto stored = chat_.persist_all(batch);
  lock.lock();
  if (!stored) {
    if (batch.size() > 1 && stored.error().code != platform::errc::kDbUnavailable) {
      singles_ = batch.size();  // find the one the database refuses
      return Outcome::kDone;
    }
    if (failed(stored.error(), "chat message write")) return Outcome::kRetry;
  } else {
    succeeded();
    persisted_.inc(batch.size());
  }
  singles_ = singles_ > 0 ? singles_ - 1 : 0;

  std::vector<std::pair<ChatStored, bool>> told;
  std::vector<store::ChatMessage> moderated_late;
  for (const store::ChatMessage& written : batch) {
    Task& t = queue_.front();
    // Deleted by a moderator while its write was under way: mark the stored row too.
    if (stored && t.message.moderated && !written.moderated) moderated_late.push_back(t.message);
    if (t.on_stored) told.emplace_back(std::move(t.on_stored), static_cast<bool>(stored));
    queue_.pop_front();
  }
  queued_.set(static_cast<int64_t>(queue_.size()));
  if (told.empty() && moderated_late.empty()) return Outcome::kDone;
  lock.unlock();
  for (auto& [tell, ok] : told) tell(ok);
  for (const store::ChatMessage& late : moderated_late) {
    auto m = chat_.mark_moderated(late.id, late.moderated_by.value_or(""),
                                  late.moderated_at.value_or(0));
    if (!m)
      spdlog::warn("realtime: marking message {} moderated failed: {}", late.id, m.error().message);
  }
  lock.lock();
  return Outcome::kDone;
}

WriteBehindQueue::Outcome WriteBehindQueue::run_next(std::unique_lock<std::mutex>& lock) {
  if (queue_.empty()) {
    auto it = stats_.begin();
    const std::string stream_id = it->first;
    const Stats s = it->second;
    stats_.erase(it);
    lock.unlock();
    auto r = chat_.record_viewer_stats(stream_id, s.current, s.unique);
    lock.lock();
    if (!r && failed(r.error(), "viewer stats write")) {
      Stats& back = stats_[stream_id];
      back.current = std::max(back.current, s.current);
      back.unique = std::max(back.unique, s.unique);
      return Outcome::kRetry;
    }
    if (r) succeeded();
    return Outcome::kDone;
  }

  if (queue_.front().kind == Task::Kind::kChat) return run_chat(lock);
  // A copy runs; the original stays queued until it is done.
  const Task task = queue_.front();
  lock.unlock();
  Result<void> r = ok_result();
  switch (task.kind) {
    case Task::Kind::kChat:
      break;  // run_chat
    case Task::Kind::kViewerJoin: {
      auto row = chat_.record_join(task.viewer);
      if (row) {
        std::lock_guard g(mu_);
        viewer_rows_[task.key] = row->id;
      }
      r = row ? ok_result() : Result<void>(row.error());
      break;
    }
    case Task::Kind::kViewerLeave: {
      std::optional<std::string> id;
      {
        std::lock_guard g(mu_);
        if (auto it = viewer_rows_.find(task.key); it != viewer_rows_.end()) id = it->second;
      }
      r = ok_result();
      if (id) {
        r = chat_.record_leave(*id, task.at);
        if (!r && r.error().code == platform::errc::kNotFound) r = ok_result();
        if (r) {
          std::lock_guard g(mu_);
          viewer_rows_.erase(task.key);
        }
      }
      break;
    }
  }
  lock.lock();
  if (!r && failed(r.error(), "viewer session write")) return Outcome::kRetry;
  if (r) succeeded();
  queue_.pop_front();
  queued_.set(static_cast<int64_t>(queue_.size()));
  return Outcome::kDone;
}

void WriteBehindQueue::schedule_retry() {
  if (stopping_ || retry_pending_) return;
  retry_pending_ = true;
  backoff_ = backoff_.count() == 0 ? options_.initial_backoff
                                   : std::min(backoff_ * 2, options_.max_backoff);
  retry_timer_.expires_after(backoff_);
  retry_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    std::lock_guard lock(mu_);
    retry_pending_ = false;
    if (!queue_.empty() || !stats_.empty()) kick();
  });
}

WriteBehindQueue::Task* WriteBehindQueue::find_chat(const std::string& message_id) {
  for (Task& t : queue_) {
    if (t.kind == Task::Kind::kChat && t.message.id == message_id) return &t;
  }
  return nullptr;
}

std::optional<store::ChatMessage> WriteBehindQueue::find_pending(const std::string& message_id) {
  std::lock_guard lock(mu_);
  if (Task* t = find_chat(message_id)) return t->message;
  return std::nullopt;
}

bool WriteBehindQueue::moderate_pending(const std::string& message_id,
                                        const std::string& moderator_id, int64_t at_ms) {
  std::lock_guard lock(mu_);
  Task* t = find_chat(message_id);
  if (t == nullptr) return false;
  if (!t->message.moderated) {
    t->message.moderated = true;
    t->message.moderated_by = moderator_id;
    t->message.moderated_at = at_ms;
  }
  return true;
}

void WriteBehindQueue::moderate_pending_from(const std::string& stream_id,
                                             const std::string& user_id,
                                             const std::string& moderator_id, int64_t at_ms) {
  std::lock_guard lock(mu_);
  for (Task& t : queue_) {
    if (t.kind == Task::Kind::kChat && !t.message.moderated && t.message.stream_id == stream_id &&
        t.message.user_id == user_id) {
      t.message.moderated = true;
      t.message.moderated_by = moderator_id;
      t.message.moderated_at = at_ms;
    }
  }
}

size_t WriteBehindQueue::size() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

bool WriteBehindQueue::stop_and_flush(std::chrono::milliseconds budget) {
  std::unique_lock lock(mu_);
  stopping_ = true;
  retry_timer_.cancel();
  idle_cv_.wait(lock, [this] { return !draining_; });
  draining_ = true;  // this thread is the drainer now
  const auto deadline = std::chrono::steady_clock::now() + budget;
  while ((!queue_.empty() || !stats_.empty()) && std::chrono::steady_clock::now() < deadline) {
    if (run_next(lock) == Outcome::kRetry) {
      lock.unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      lock.lock();
    }
  }
  draining_ = false;
  const bool all = queue_.empty() && stats_.empty();
  if (!all) {
    spdlog::warn("realtime: shutting down with {} chat/presence writes not stored", queue_.size());
  }
  return all;
}

}  // namespace stagecast::realtime
