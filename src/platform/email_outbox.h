#pragma once
// Delivers the EMAIL rows of the notification outbox (docs/notifications.md) on threads of its
// own, never an I/O thread or the shared workers: claims due rows (a lease, so that a crash or a
// second node does not send a row while it is being sent), sends each through the MailTransport,
// and marks it SENT, or schedules the next attempt with exponential backoff (a transient
// failure: no connection, timeout, SMTP 4xx), or FAILED (a permanent failure: SMTP 5xx, or the
// retry limit reached). One worker per transport (each keeps its SMTP connection open across
// mails): the concurrency towards the mail server is bounded by the number of transports.
// The loop itself is outbox_runner.h.
//
// At least once, never twice while the server runs. Only a crash between the mail server's
// acceptance and the row's SENT write sends that mail again after the lease (one per worker at
// most); it then carries the same Message-ID.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/retry_schedule.h"
#include "platform/mail_transport.h"
#include "platform/notification_events.h"
#include "platform/outbox_runner.h"
#include "platform/unsubscribe_token.h"
#include "store/store.h"

namespace stagecast::platform {

struct EmailOutboxOptions {
  std::string base_url;           // links in mails: the site's public origin
  std::string message_id_domain;  // right side of Message-IDs (the sender's domain)
  int batch = 8;                  // rows claimed at once by one worker
  // Longer than one batch can take (batch x the SMTP timeout), so a row is never claimed while
  // it is still being sent.
  std::chrono::milliseconds lease{120'000};
  // Sleep when nothing is due and nobody woke us (new rows wake the worker at once).
  std::chrono::milliseconds idle_poll{5'000};
  double per_second = 0;  // sends started a second by all workers (OutboxRunnerOptions)
  // This process (node.id and this start's instance id), recorded with each lease: start() takes
  // back at once the rows an earlier instance of this node left leased (OutboxRunner).
  store::LeaseHolder holder;
  // Signs each mail's unsubscribe link (<base_url>/unsubscribe?token=...); borrowed. Null: no
  // link (tests of delivery alone).
  const UnsubscribeTokens* unsubscribe = nullptr;
};

class EmailOutbox final : public NotificationEvents {
 public:
  // Borrowed; must outlive the outbox. One worker.
  EmailOutbox(store::Store& store, const Clock& clock, MailTransport& transport,
              RetrySchedule retries, EmailOutboxOptions options);
  // One worker per transport (not empty).
  EmailOutbox(store::Store& store, const Clock& clock, std::vector<MailTransport*> transports,
              RetrySchedule retries, EmailOutboxOptions options);
  ~EmailOutbox() override;
  EmailOutbox(const EmailOutbox&) = delete;
  EmailOutbox& operator=(const EmailOutbox&) = delete;

  void start();
  // Finishes the mails being sent and joins; unsent rows stay PENDING for the next start.
  void stop();

  // NotificationEvents: new EMAIL rows are waiting; wake up.
  void in_app_created(const store::Notification&) override {}
  void pending_written(store::NotificationChannel channel) override;

  // One claim and its sends on the calling thread (tests, with a ManualClock). Returns how many
  // rows were claimed.
  Result<size_t> run_once();
  OutboxRunner& runner() { return *runner_; }

 private:
  Delivery deliver(const store::Notification& n, MailTransport& transport);

  store::Store& store_;
  std::vector<MailTransport*> transports_;
  EmailOutboxOptions options_;
  std::unique_ptr<OutboxRunner> runner_;
};

}  // namespace stagecast::platform
