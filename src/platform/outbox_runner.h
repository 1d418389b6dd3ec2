#pragma once
// The delivery loop of one outbox channel (EMAIL, PUSH; docs/notifications.md), on threads of its
// own, never an I/O thread or the shared workers. Each of `workers` threads claims a batch of due
// rows (a lease: another worker, node or a restart does not take a row while it is being sent),
// hands each row to `deliver` with its worker index (a worker owns its connection: SMTP or HTTP
// connections are reused across its rows), and writes each outcome:
// SENT, the next attempt with exponential backoff (at least the server's Retry-After) for a
// transient failure, or FAILED for a permanent one or at the retry limit. Concurrency towards the
// mail server or push service is bounded by `workers`. Each row's outcome is written (one
// transaction) as soon as it is known.
//
// At least once, never twice while the server runs: a row is SENT or rescheduled before its
// lease ends. A crash between the receiver's acceptance and that write sends the row again: at
// most one row per worker (mail keeps its Message-ID, push its Topic and tag). Each lease names
// its holder (node.id and an id made at each start); start() makes the rows still leased by an
// earlier instance of this node due at once, so that after a crash they do not wait out their
// lease. Rows leased by another node (it may be alive) wait for their lease to end.
//
// `per_second` paces the channel: the workers together start at most that many sends a second,
// evenly spaced, so that a fan-out of thousands runs as background work beside live chat and
// playlists (bench/notify) instead of as a burst that takes both cores. The lease must cover a
// batch's waits for its turn too (NotifyWiring sizes it).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/retry_schedule.h"
#include "store/store.h"

namespace stagecast::platform {

struct Delivery {
  enum class Kind { kSent, kTransient, kPermanent };
  Kind kind = Kind::kSent;
  std::string error;
  // The receiver asked to wait at least this long (HTTP Retry-After).
  std::optional<std::chrono::milliseconds> retry_after;

  static Delivery sent() { return {}; }
  static Delivery transient(std::string e,
                            std::optional<std::chrono::milliseconds> after = std::nullopt) {
    return {Kind::kTransient, std::move(e), after};
  }
  static Delivery permanent(std::string e) { return {Kind::kPermanent, std::move(e), {}}; }
};

struct OutboxRunnerOptions {
  std::string name;  // "email", "push": thread names and logs
  int workers = 1;
  int batch = 8;  // rows claimed at once by one worker
  // Longer than one batch can take, so a row is never claimed while it is still being sent.
  std::chrono::milliseconds lease{120'000};
  // Sleep when nothing is due and nobody woke us (new rows wake the workers at once).
  std::chrono::milliseconds idle_poll{5'000};
  // Nice value of the worker threads (Linux: per thread): delivery yields to the I/O threads.
  int nice = 10;
  // Recorded with each claim; empty node: leases name nobody and nothing is reclaimed.
  store::LeaseHolder holder;
  // Sends started per second by all workers together; 0: as fast as the workers go.
  double per_second = 0;
};

class OutboxRunner {
 public:
  // Called on worker `worker` (0 .. workers-1) for each claimed row; may block.
  using Deliver = std::function<Delivery(const store::Notification&, size_t worker)>;

  // Borrowed; must outlive the runner.
  OutboxRunner(store::Store& store, const Clock& clock, store::NotificationChannel channel,
               RetrySchedule retries, OutboxRunnerOptions options, Deliver deliver);
  ~OutboxRunner();
  OutboxRunner(const OutboxRunner&) = delete;
  OutboxRunner& operator=(const OutboxRunner&) = delete;

  // Takes back the rows an earlier instance of this node left leased (reclaim_leases), then
  // starts the workers.
  void start();
  // Finishes the rows being sent and joins; unsent rows stay PENDING for their lease (or the
  // next start).
  void stop();
  // New rows are waiting.
  void wake();
  // One claim, its sends and its outcomes on the calling thread as worker `worker` (tests).
  // Returns how many rows were claimed.
  Result<size_t> run_once(size_t worker = 0);

 private:
  void run(size_t worker);
  // Waits for this send's turn under `per_second`; false when stopping.
  bool wait_turn();
  store::DeliveryOutcome outcome_of(const store::Notification& n, const Delivery& d, int64_t now);

  store::Store& store_;
  const Clock& clock_;
  store::NotificationChannel channel_;
  std::mutex retries_mu_;  // the jitter's random source is not thread-safe
  RetrySchedule retries_;
  OutboxRunnerOptions options_;
  Deliver deliver_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  uint64_t wakes_ = 0;
  std::chrono::steady_clock::time_point next_turn_{};  // under mu_
  std::vector<std::thread> threads_;
};

}  // namespace stagecast::platform
