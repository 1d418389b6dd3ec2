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

Result<std::unordered_set<std::string>> ScheduleNotifier::told_about(
    const std::string& stream_id, std::optional<int64_t> except_scheduled_for) {
  // Told of a reschedule before counts, too.
  auto told = store_.notifications().told_about(
      stream_id, {"stream_scheduled", "stream_reminder", "stream_rescheduled"});
  if (!told) return told.error();
  // The "scheduled" notices of a new time are what write_time_notice sends the fans who had not
  // heard of the schedule: a second write of the same reschedule must not count them as told.
  const std::string except = except_scheduled_for ? "stream_scheduled:" + stream_id + ":" +
                                                        std::to_string(*except_scheduled_for) + ":"
                                                  : std::string();
  std::unordered_set<std::string> out;
  for (const store::NotifiedRecipient& r : *told) {
    if (!except.empty() && r.idempotency_key.starts_with(except)) continue;
    out.insert(SubscriberNotice::told_key(r.user_id, r.channel));
  }
  return out;
}

Result<size_t> ScheduleNotifier::write_change(const Change& c) {
  const std::optional<int64_t> now_at = c.cancelled ? std::nullopt : c.stream.scheduled_at;
  if (now_at == c.previous_at) return size_t{0};
  if (!now_at) {
    // Cancelled, or the time withdrawn: keyed by the time that no longer holds, and told only to
    // the fans who heard of the schedule, on the channels they heard it on.
    auto told = told_about(c.stream.id);
    if (!told) return told.error();
    SubscriberNotice n{c.stream, "stream_cancelled", c.previous_at, std::nullopt, c.previous_at};
    n.told = std::move(told).value();
    return fan_out_.notify_subscribers(n);
  }
  // Already cancelled or moved by the time this is written: the later change tells the fans.
  auto current = store_.streams().find(c.stream.id);
  if (!current) {
    if (current.error().code == "not_found") return size_t{0};
    return current.error();
  }
  if (current->status != store::StreamStatus::kScheduled || current->scheduled_at != now_at) {
    return size_t{0};
  }
  // A time already inside the reminder's lead: this notice names the time and stands in for the
  // reminder ("soon" right after it would tell the same fans the same thing twice). The reminder
  // is claimed first, in one statement, so that a reminder round (of this node or another) that
  // got there first wins instead: its reminder named the time, and this notice is left out.
  const bool in_lead = *now_at - clock_.unix_millis() <= options_.lead.count();
  if (in_lead) {
    auto claimed = store_.streams().claim_reminder(c.stream.id, *now_at);
    if (!claimed) return claimed.error();
    if (!*claimed) return size_t{0};
  }
  auto written = write_time_notice(c, *now_at);
  if (!written && in_lead) {
    // Not written: the reminder is due again rather than lost with the notice.
    if (auto r = store_.streams().release_reminder(c.stream.id, *now_at); !r) {
      spdlog::error("stream {}: reminder claim not released: {}", c.stream.id, r.error().message);
    }
  }
  return written;
}

Result<size_t> ScheduleNotifier::write_time_notice(const Change& c, int64_t at) {
  // Newly scheduled (created with a time, or a time set on a stream that had none): the
  // subscribers hear of it now, once per time (the key carries it).
  SubscriberNotice scheduled{c.stream, "stream_scheduled", at, at, std::nullopt};
  if (!c.previous_at) return fan_out_.notify_subscribers(scheduled);
  // A new time: a reschedule for the fans who heard of the schedule; for the others (their
  // notice was left out: muted then, a channel off, subscribed since, or the stream had already
  // moved when it was written) it is the schedule's first notice.
  auto told = told_about(c.stream.id, at);
  if (!told) return told.error();
  SubscriberNotice moved{c.stream, "stream_rescheduled", at, at, c.previous_at};
  moved.told = *told;
  auto n = fan_out_.notify_subscribers(moved);
  if (!n) return n.error();
  scheduled.told = std::move(told).value();
  scheduled.to_told = false;
  auto m = fan_out_.notify_subscribers(scheduled);
  if (!m) return m.error();
  return *n + *m;
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
