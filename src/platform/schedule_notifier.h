#pragma once
// Scheduled streams' notices (docs/notifications.md, Scheduled streams), on a thread of its own:
//  * a notice when a stream is first scheduled (stream_scheduled: created with a time, or a time
//    set on a stream without one; once per time);
//  * a reminder `lead` before a SCHEDULED stream's time (once per scheduled time: the outbox key
//    carries it, and the stream row records which time was reminded, so a restart does not
//    remind again and a reschedule brings a reminder for the new time);
//  * a notice when the time changes (stream_rescheduled) and when a scheduled stream is ended
//    before it went live, deleted, or loses its time (stream_cancelled), told only to the fans
//    and channels that heard of the schedule; a new time is the first notice (stream_scheduled)
//    for the others.
// A scheduled or reschedule notice of a time already within `lead` stands for the reminder: it
// claims the reminder first (StreamRepository::claim_reminder), and is left out when the
// reminder was written first (that reminder named the time).
// Nothing is sent for a time already passed: a reminder is only written while the stream is
// still SCHEDULED and its time lies ahead, so a cancelled stream never gets one.
//
// The thread sleeps until the next reminder is due (asked of the store, so it survives
// restarts), a schedule changes (StreamEvents wakes it), or the idle poll; the clock is injected,
// and run_once() does one round on the caller's thread for tests with a ManualClock.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>

#include "core/clock.h"
#include "core/result.h"
#include "platform/live_notifier.h"
#include "platform/stream_events.h"
#include "store/store.h"

namespace stagecast::platform {

struct ScheduleNotifierOptions {
  std::chrono::milliseconds lead{15 * 60 * 1000};  // notify.reminder_lead_ms
  // Longest sleep when nothing is due (another node's schedule changes are seen by then).
  std::chrono::milliseconds idle_poll{30'000};
  size_t max_queued_changes = 1000;  // one more is dropped with an error in the log
};

class ScheduleNotifier final : public StreamEvents {
 public:
  // Borrowed; must outlive the notifier.
  ScheduleNotifier(store::Store& store, const Clock& clock, LiveNotifier& fan_out,
                   ScheduleNotifierOptions options);
  ~ScheduleNotifier() override;
  ScheduleNotifier(const ScheduleNotifier&) = delete;
  ScheduleNotifier& operator=(const ScheduleNotifier&) = delete;

  void start();
  // Finishes the round under way and joins; queued changes not yet written are lost (the stream
  // rows keep the schedule; the next start reminds from them).
  void stop();

  // StreamEvents: queues the notice and wakes the thread.
  void schedule_changed(const store::LiveStream& stream, std::optional<int64_t> previous_at,
                        bool cancelled) override;

  // One round on the calling thread: the queued changes, then the reminders due now. Returns how
  // many notification rows were new.
  Result<size_t> run_once();
  // When the next reminder falls due (unix ms), if any stream waits for one.
  Result<std::optional<int64_t>> next_reminder_at();

 private:
  struct Change {
    store::LiveStream stream;
    std::optional<int64_t> previous_at;
    bool cancelled = false;
  };
  void run();
  Result<size_t> write_change(const Change& c);
  Result<size_t> write_time_notice(const Change& c, int64_t at);
  // SubscriberNotice::told_key()s of the fans and channels told of the stream's schedule.
  // `except_scheduled_for`: leave out the stream_scheduled notices of that time.
  Result<std::unordered_set<std::string>> told_about(
      const std::string& stream_id, std::optional<int64_t> except_scheduled_for = std::nullopt);
  Result<size_t> write_reminders();

  store::Store& store_;
  const Clock& clock_;
  LiveNotifier& fan_out_;
  ScheduleNotifierOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Change> changes_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace stagecast::platform
