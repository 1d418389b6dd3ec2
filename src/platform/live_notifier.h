#pragma once
// Writes the notification outbox when a stream goes live (docs/notifications.md): one in-app
// row per active subscriber of the artist who allows in-app notifications, and one email row per
// subscriber who allows email (when email is configured), keyed
// "stream_live:<stream>:<user>:<channel>" so that writing it twice (a second went_live from another
// node, a retry) never duplicates. The fan-out runs on the notifier's own thread: went_live is
// heard on the worker that marked the stream LIVE and must return at once (stream_events.h), and
// ten thousand inserts must not hold up the shared worker pool. Listeners hear each new in-app
// row (the realtime gateway sends it to the user's open connections) and that email or push rows
// wait (the outboxes wake up).

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/worker_pool.h"
#include "platform/notification_events.h"
#include "platform/stream_events.h"
#include "store/store.h"

namespace stagecast::platform {

// What every subscriber of a stream's artist is told (docs/notifications.md): the stream went
// live, a reminder before its scheduled time, a new time, a cancellation. The outbox key is
// "<kind>:<stream>[:<at>]:<user>:<channel>": `at` (a scheduled time) makes a reminder or a change
// exactly-once per time, while a second identical write is a no-op.
struct SubscriberNotice {
  store::LiveStream stream;
  // stream_live | stream_scheduled | stream_reminder | stream_rescheduled | stream_cancelled
  std::string kind;
  // Part of the key (scheduled, reminder, reschedule: the stream's time; cancel: the old one).
  std::optional<int64_t> at;
  std::optional<int64_t> scheduled_at;           // payload: the stream's time now
  std::optional<int64_t> previous_scheduled_at;  // payload: the time it had before
  // Who hears it: every subscriber when unset; otherwise only the subscribers' channels named in
  // `told` (to_told), or only those not named in it (!to_told). Entries are told_key()s: a change
  // to a schedule is told to the fans who heard of the schedule, on the channels they heard it.
  std::optional<std::unordered_set<std::string>> told;
  bool to_told = true;

  static std::string told_key(const std::string& user_id, store::NotificationChannel channel);
};

struct LiveNotifierOptions {
  // Streams waiting for their fan-out; one more is dropped with an error in the log (a burst of
  // this many go-lives at once is far beyond one node).
  size_t max_queued_streams = 1000;
  // Rows per transaction: bounds how long one fan-out holds SQLite's single writer.
  size_t batch_rows = 500;
  // Also an EMAIL row (PENDING, for EmailOutbox) per subscriber who allows email. Off while no
  // mail server is configured: rows nobody would deliver are not written.
  bool email = false;
  // Also a PUSH row (PENDING, for PushOutbox) per push subscription of each subscriber (every
  // browser that said yes to push). Off while push is not configured.
  bool push = false;
};

class LiveNotifier final : public StreamEvents {
 public:
  // `store` and `clock` are borrowed and must outlive the notifier.
  LiveNotifier(store::Store& store, const Clock& clock, LiveNotifierOptions options = {});
  ~LiveNotifier() override;
  LiveNotifier(const LiveNotifier&) = delete;
  LiveNotifier& operator=(const LiveNotifier&) = delete;

  // While wiring, before serving.
  void add_listener(NotificationEvents& listener);

  // StreamEvents: queues the fan-out of `stream`.
  void went_live(const store::LiveStream& stream) override;

  // The fan-out itself, on the calling thread: returns how many rows were new. Errors: those of
  // the store (db_unavailable); rows of batches written before the error stay written, and a
  // second call writes the rest.
  Result<size_t> fan_out(const store::LiveStream& stream);
  // The same for any notice (thread-safe: the schedule notifier calls it on its own thread).
  // Subscribers who muted the artist, or turned the channel off, get no row.
  Result<size_t> notify_subscribers(const SubscriberNotice& notice);

  // Finishes the queued fan-outs and joins the thread; went_live is ignored afterwards.
  void stop();

  // PUSH rows add ":<push subscription id>" (one row per browser).
  static std::string idempotency_key(const std::string& stream_id, const std::string& user_id,
                                     store::NotificationChannel channel);
  static std::string idempotency_key(const SubscriberNotice& notice, const std::string& user_id,
                                     store::NotificationChannel channel);

 private:
  Result<std::vector<store::Notification>> rows_for(const SubscriberNotice& notice);

  store::Store& store_;
  const Clock& clock_;
  LiveNotifierOptions options_;
  std::mutex listeners_mutex_;
  std::vector<NotificationEvents*> listeners_;
  WorkerPool pool_;
};

}  // namespace stagecast::platform
