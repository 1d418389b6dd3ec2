#include "platform/outbox_runner.h"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

namespace stagecast::platform {

OutboxRunner::OutboxRunner(store::Store& store, const Clock& clock,
                           store::NotificationChannel channel, RetrySchedule retries,
                           OutboxRunnerOptions options, Deliver deliver)
    : store_(store),
      clock_(clock),
      channel_(channel),
      retries_(std::move(retries)),
      options_(std::move(options)),
      deliver_(std::move(deliver)) {
  options_.workers = std::max(1, options_.workers);
  options_.batch = std::clamp(options_.batch, 1, 1000);
}

OutboxRunner::~OutboxRunner() {
  stop();
}

void OutboxRunner::start() {
  std::lock_guard lock(mu_);
  if (!threads_.empty() || stopping_) return;
  // Before the workers claim anything: rows this node's previous instance held when it stopped
  // (a crash, or a stop in the middle of a batch) are due now rather than when their lease ends.
  if (auto n =
          store_.notifications().reclaim_leases(channel_, options_.holder, clock_.unix_millis());
      !n) {
    spdlog::warn(
        "{} outbox: leases of an earlier run not taken back ({}); they wait out their "
        "lease",
        options_.name, n.error().message);
  } else if (*n > 0) {
    spdlog::info("{} outbox: took back {} rows leased by an earlier run of node {}", options_.name,
                 *n, options_.holder.node);
  }
  for (int i = 0; i < options_.workers; ++i) {
    threads_.emplace_back([this, i] {
      const std::string name = (options_.name + "-out-" + std::to_string(i)).substr(0, 15);
      pthread_setname_np(pthread_self(), name.c_str());
      // Background work: the I/O threads (chat, playlists) come first when cores are short.
      setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), options_.nice);
      run(static_cast<size_t>(i));
    });
  }
}

void OutboxRunner::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void OutboxRunner::wake() {
  {
    std::lock_guard lock(mu_);
    ++wakes_;
  }
  cv_.notify_all();
}

bool OutboxRunner::wait_turn() {
  std::unique_lock lock(mu_);
  if (options_.per_second <= 0) return !stopping_;
  const auto now = std::chrono::steady_clock::now();
  const auto turn = std::max(now, next_turn_);
  next_turn_ = turn + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                          std::chrono::duration<double>(1.0 / options_.per_second));
  return !cv_.wait_until(lock, turn, [this] { return stopping_; });
}

store::DeliveryOutcome OutboxRunner::outcome_of(const store::Notification& n, const Delivery& d,
                                                int64_t now) {
  store::DeliveryOutcome o;
  o.id = n.id;
  o.at_ms = now;
  if (d.kind == Delivery::Kind::kSent) {
    o.sent = true;
    return o;
  }
  o.error = d.error;
  std::lock_guard lock(retries_mu_);
  if (d.kind == Delivery::Kind::kTransient && retries_.may_retry(n.attempts)) {
    auto delay = retries_.delay_after(n.attempts);
    // A push service's Retry-After is honoured, up to the longest backoff.
    if (d.retry_after) delay = std::max(delay, std::min(*d.retry_after, retries_.policy().cap));
    o.next_attempt_at = now + delay.count();
  }
  return o;
}

Result<size_t> OutboxRunner::run_once(size_t worker) {
  auto claimed = store_.notifications().claim_due(channel_, clock_.unix_millis(), options_.batch,
                                                  options_.lease.count(), options_.holder);
  if (!claimed) return claimed.error();
  for (const store::Notification& n : *claimed) {
    // The rest waits for its lease (or a restart) to be sent.
    if (!wait_turn()) break;
    Delivery d;
    try {
      d = deliver_(n, worker);
    } catch (const std::exception& e) {
      d = Delivery::transient(std::string("internal error: ") + e.what());
    }
    // Each outcome is written as soon as it is known: a crash then sends again at most the one
    // row per worker whose answer was not yet written.
    const store::DeliveryOutcome o = outcome_of(n, d, clock_.unix_millis());
    if (auto r = store_.notifications().finish({o}); !r) {
      // The row stays PENDING under its lease and is tried again once it ends.
      spdlog::error("{} {}: outcome not recorded: {}", options_.name, n.id, r.error().message);
      return r.error();
    }
    if (!o.sent) {
      if (o.next_attempt_at) {
        spdlog::info("{} {} attempt {} failed ({}); next in {} ms", options_.name, n.id, n.attempts,
                     o.error, *o.next_attempt_at - o.at_ms);
      } else {
        spdlog::warn("{} {} failed for good after {} attempts ({})", options_.name, n.id,
                     n.attempts, o.error);
      }
    }
  }
  return claimed->size();
}

void OutboxRunner::run(size_t worker) {
  for (;;) {
    uint64_t seen = 0;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      seen = wakes_;
    }
    auto claimed = run_once(worker);
    if (!claimed) spdlog::warn("{} outbox: {}", options_.name, claimed.error().message);
    if (claimed && *claimed > 0) continue;  // there may be more due
    // Sleep until the next row is due (a retry's backoff or a lease), new rows arrive, or the
    // idle poll.
    auto wait = options_.idle_poll;
    if (auto due = store_.notifications().next_due(channel_); due && *due) {
      const int64_t in = **due - clock_.unix_millis();
      wait = std::clamp(std::chrono::milliseconds(in), std::chrono::milliseconds(1), wait);
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, wait, [this, seen] { return stopping_ || wakes_ != seen; });
  }
}

}  // namespace stagecast::platform
