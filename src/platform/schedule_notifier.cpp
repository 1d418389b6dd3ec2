#include "platform/schedule_notifier.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace stagecast::platform {

ScheduleNotifier::ScheduleNotifier(store::Store& store, const Clock& clock, LiveNotifier& fan_out,
                                   ScheduleNotifierOptions options)
    : store_(store), clock_(clock), fan_out_(fan_out), options_(options) {}

ScheduleNotifier::~ScheduleNotifier() {
  stop();
}

void ScheduleNotifier::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
}

void ScheduleNotifier::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ScheduleNotifier::schedule_changed(const store::LiveStream& stream,
                                        std::optional<int64_t> previous_at, bool cancelled) {
  {
    std::lock_guard lock(mu_);
    if (changes_.size() >= options_.max_queued_changes) {
      spdlog::error("schedule notice for stream {} dropped: queue full", stream.id);
    } else {
      changes_.push_back(Change{stream, previous_at, cancelled});
    }
    woken_ = true;
  }
  cv_.notify_all();
}

Result<size_t> ScheduleNotifier::write_change(const Change& c) {
  const std::optional<int64_t> now_at = c.cancelled ? std::nullopt : c.stream.scheduled_at;
  if (!c.previous_at) {
    if (!now_at) return size_t{0};
    // Already cancelled or moved by the time this is written: the later change tells the fans.
    auto current = store_.streams().find(c.stream.id);
    if (!current) {
      if (current.error().code == "not_found") return size_t{0};
      return current.error();
    }
    if (current->status != store::StreamStatus::kScheduled || current->scheduled_at != now_at) {
      return size_t{0};
    }
    // Newly scheduled (created with a time, or a time set on a stream that had none): the
    // subscribers hear of it now, once per time (the key carries it).
    SubscriberNotice n{c.stream, "stream_scheduled", now_at, now_at, std::nullopt};
    auto rows = fan_out_.notify_subscribers(n);
    if (!rows) return rows.error();
    // A time already inside the reminder's lead: this notice names the time, and a "soon"
    // reminder right after it would tell the same fans the same thing twice.
    if (*now_at - clock_.unix_millis() <= options_.lead.count()) {
      if (auto r = store_.streams().mark_reminded(c.stream.id, *now_at); !r) return r.error();
    }
    return rows;
  }
  if (now_at == c.previous_at) return size_t{0};
  SubscriberNotice n{c.stream, "", std::nullopt, now_at, c.previous_at};
  if (now_at) {
    n.kind = "stream_rescheduled";
    n.at = now_at;
  } else {
    // Cancelled, or the time withdrawn: keyed by the time that no longer holds.
    n.kind = "stream_cancelled";
    n.at = c.previous_at;
  }
  return fan_out_.notify_subscribers(n);
}

Result<size_t> ScheduleNotifier::write_reminders() {
  size_t written = 0;
  for (;;) {
    const int64_t now = clock_.unix_millis();
    auto due = store_.streams().list_reminders_due(now, options_.lead.count(), 50);
    if (!due) return due.error();
    if (due->empty()) return written;
    for (const store::LiveStream& s : *due) {
      SubscriberNotice n{s, "stream_reminder", s.scheduled_at, s.scheduled_at, std::nullopt};
      auto rows = fan_out_.notify_subscribers(n);
      if (!rows) return rows.error();
      written += *rows;
      if (auto r = store_.streams().mark_reminded(s.id, *s.scheduled_at); !r) return r.error();
      spdlog::info("stream {}: reminder written ({} notifications)", s.id, *rows);
    }
  }
}

Result<size_t> ScheduleNotifier::run_once() {
  std::deque<Change> changes;
  {
    std::lock_guard lock(mu_);
    changes.swap(changes_);
  }
  size_t written = 0;
  for (const Change& c : changes) {
    auto n = write_change(c);
    if (!n) {
      spdlog::error("schedule notice for stream {} not written: {}", c.stream.id,
                    n.error().message);
      continue;
    }
    written += *n;
  }
  auto reminders = write_reminders();
  if (!reminders) return reminders.error();
  return written + *reminders;
}

Result<std::optional<int64_t>> ScheduleNotifier::next_reminder_at() {
  auto next = store_.streams().next_unreminded(clock_.unix_millis());
  if (!next) return next.error();
  if (!*next) return std::optional<int64_t>{};
  return std::optional<int64_t>(**next - options_.lead.count());
}

void ScheduleNotifier::run() {
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      woken_ = false;
    }
    if (auto r = run_once(); !r) spdlog::warn("schedule notifier: {}", r.error().message);
    auto wait = options_.idle_poll;
    if (auto next = next_reminder_at(); next && *next) {
      const int64_t in = **next - clock_.unix_millis();
      wait = std::clamp(std::chrono::milliseconds(in), std::chrono::milliseconds(1), wait);
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, wait, [this] { return stopping_ || woken_; });
  }
}

}  // namespace stagecast::platform
