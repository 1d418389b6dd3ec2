#pragma once
// Delivers the PUSH rows of the notification outbox (docs/notifications.md): one row per push
// subscription (a fan's browser), sent through that worker's PushTransport by an OutboxRunner.
// A push service's 404 or 410 removes the subscription (RFC 8030 7.3: it expired or was
// unsubscribed) and fails the row; 429 and 5xx are retried with backoff, no sooner than the
// Retry-After asked; anything else fails it. A row whose subscription was removed meanwhile
// (the fan turned push off) fails without a request.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/retry_schedule.h"
#include "platform/notification_events.h"
#include "platform/outbox_runner.h"
#include "platform/push_transport.h"
#include "store/store.h"

namespace stagecast::platform {

struct PushOutboxOptions {
  std::string base_url;  // the watch link the notification opens
  int batch = 8;
  std::chrono::milliseconds lease{60'000};
  std::chrono::milliseconds idle_poll{5'000};
  double per_second = 0;  // sends started a second by all workers (OutboxRunnerOptions)
  store::LeaseHolder holder;  // as EmailOutboxOptions::holder
};

// What the service worker receives (web/static/sw.js): {"title", "body", "url", "tag",
// "streamId"}. The tag is the same for every copy of one notification, so a copy sent again
// after a crash replaces the shown one instead of showing a second.
std::string push_payload_json(const store::Notification& n, const std::string& base_url);

class PushOutbox final : public NotificationEvents {
 public:
  // Borrowed; one worker per transport (not empty).
  PushOutbox(store::Store& store, const Clock& clock, std::vector<PushTransport*> transports,
             RetrySchedule retries, PushOutboxOptions options);
  ~PushOutbox() override;
  PushOutbox(const PushOutbox&) = delete;
  PushOutbox& operator=(const PushOutbox&) = delete;

  void start();
  void stop();
  void in_app_created(const store::Notification&) override {}
  void pending_written(store::NotificationChannel channel) override;
  Result<size_t> run_once(size_t worker = 0);
  OutboxRunner& runner() { return *runner_; }

 private:
  Delivery deliver(const store::Notification& n, PushTransport& transport);

  store::Store& store_;
  std::vector<PushTransport*> transports_;
  PushOutboxOptions options_;
  std::unique_ptr<OutboxRunner> runner_;
};

}  // namespace stagecast::platform
