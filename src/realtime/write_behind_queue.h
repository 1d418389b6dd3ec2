#pragma once
// The database writes behind the live chat: messages already broadcast, viewer sessions opening
// and closing, peak viewers. They queue here and one worker at a time writes them in order, so a
// slow or unavailable database never holds up a broadcast: when a write fails with
// db_unavailable it stays at the head of the queue, the failure is logged and counted
// (stagecast_realtime_write_failures_total), and the queue is retried after a backoff (doubling
// up to a maximum) until the database answers again. The queue is bounded; when it is full a new
// write is dropped and counted (stagecast_realtime_writes_dropped_total{reason="full"}), never
// the broadcast. A write the database refuses for good (e.g. the stream was deleted) is dropped,
// logged and counted with reason="rejected".
//
// It also answers ModerationService about messages shown live but not stored yet, so a moderator
// can delete a message the moment it appears (the queued write then stores it as moderated).
//
// Chat messages waiting at the head of the queue are stored together, in one transaction of up
// to `chat_batch` messages (group commit): under load a write costs one commit per batch, not one
// per message. Each message can carry a callback told once whether it was stored, which is how an
// `ack` can mean "stored" (realtime.chat_ack, docs/realtime.md).

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/metrics.h"
#include "core/worker_pool.h"
#include "platform/chat_service.h"
#include "platform/moderation_events.h"
#include "store/records.h"

namespace stagecast::realtime {

struct WriteBehindOptions {
  size_t max_tasks = 100'000;
  std::chrono::milliseconds initial_backoff{250};
  std::chrono::milliseconds max_backoff{5'000};
  size_t chat_batch = 256;  // chat messages per transaction at most
};

// Told once, on the queue's worker, whether a chat message was stored (false: the database
// refused it for good, or the queue stopped before writing it).
using ChatStored = std::function<void(bool stored)>;

class WriteBehindQueue final : public platform::PendingChatMessages {
 public:
  // `timer_io` runs the retry timer only (never a blocking call).
  WriteBehindQueue(platform::ChatService& chat, WorkerPool& workers,
                   boost::asio::io_context& timer_io, MetricsRegistry& metrics,
                   WriteBehindOptions options);
  ~WriteBehindQueue() override;
  WriteBehindQueue(const WriteBehindQueue&) = delete;
  WriteBehindQueue& operator=(const WriteBehindQueue&) = delete;

  // All thread-safe, never blocking on the database. False when the write was dropped (full).
  bool append_chat(const store::ChatMessage& message, ChatStored on_stored = {});
  // Returns a key for viewer_left (0 when dropped).
  uint64_t viewer_joined(const store::StreamViewer& viewer);
  void viewer_left(uint64_t key, int64_t left_at);
  // Coalesced per stream (the largest figures win); written when the queue is otherwise empty.
  void viewer_stats(const std::string& stream_id, int64_t current_viewers, int64_t unique_viewers);

  // platform::PendingChatMessages
  std::optional<store::ChatMessage> find_pending(const std::string& message_id) override;
  bool moderate_pending(const std::string& message_id, const std::string& moderator_id,
                        int64_t at_ms) override;
  void moderate_pending_from(const std::string& stream_id, const std::string& user_id,
                             const std::string& moderator_id, int64_t at_ms) override;

  size_t size() const;
  // Shutdown: no more retries; writes what it can on the calling thread within `budget`.
  // Returns whether everything was written.
  bool stop_and_flush(std::chrono::milliseconds budget);

 private:
  struct Task {
    enum class Kind { kChat, kViewerJoin, kViewerLeave } kind = Kind::kChat;
    store::ChatMessage message;
    store::StreamViewer viewer;
    uint64_t key = 0;
    int64_t at = 0;
    ChatStored on_stored;
  };
  struct Stats {
    int64_t current = 0;
    int64_t unique = 0;
  };
  enum class Outcome { kDone, kRetry };

  bool push(Task task);  // with mu_ held
  void kick();           // with mu_ held: start a drainer unless one runs or a retry is pending
  void drain();          // on a worker
  // Runs the head task, or one stats write when no task waits; mu_ is released while the
  // database works. kRetry: the database is unavailable and the head stays queued.
  Outcome run_next(std::unique_lock<std::mutex>& lock);
  // The chat messages at the head, in one transaction (one at a time after a refusal, so that only
  // the refused message is dropped).
  Outcome run_chat(std::unique_lock<std::mutex>& lock);
  bool failed(const Error& e, std::string_view what);  // with mu_ held; true: retry later
  void succeeded();                                    // with mu_ held
  void schedule_retry();                           // with mu_ held
  Task* find_chat(const std::string& message_id);  // with mu_ held

  platform::ChatService& chat_;
  WorkerPool& workers_;
  WriteBehindOptions options_;
  boost::asio::steady_timer retry_timer_;

  mutable std::mutex mu_;
  std::condition_variable idle_cv_;
  std::deque<Task> queue_;
  std::map<std::string, Stats> stats_;
  std::unordered_map<uint64_t, std::string> viewer_rows_;  // key -> stream_viewers.id
  uint64_t next_key_ = 1;
  bool draining_ = false;
  bool retry_pending_ = false;
  bool stopping_ = false;
  std::chrono::milliseconds backoff_{0};
  uint64_t failure_streak_ = 0;
  size_t singles_ = 0;  // after a refused batch: this many chat messages go one by one

  Gauge& queued_;
  Counter& failures_;
  Counter& dropped_full_;
  Counter& dropped_rejected_;
  Counter& persisted_;
};

}  // namespace stagecast::realtime
