#pragma once
// Notifications (docs/notifications.md): the outbox writer that hears streams go live, the
// caller's own notifications behind /api/notifications, and the outboxes that deliver: email
// over SMTP when notify.smtp_url is set, Web Push unless notify.push_enabled is off. The
// realtime gateway is added as a listener once it exists, so a signed-in fan's open page hears
// the notification at once. The outbox gauges (rows per channel and status) are refreshed on a
// thread of their own.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/config.h"
#include "app/delivery_agent.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "notify/p256.h"
#include "platform/email_outbox.h"
#include "platform/live_notifier.h"
#include "platform/mail_transport.h"
#include "platform/notification_service.h"
#include "platform/platform_services.h"
#include "platform/push_outbox.h"
#include "platform/push_subscription_service.h"
#include "platform/push_transport.h"
#include "platform/schedule_notifier.h"
#include "platform/unsubscribe_token.h"
#include "store/store.h"

namespace stagecast::app {

struct NotifyWiring {
  std::unique_ptr<platform::NotificationService> service;
  std::unique_ptr<platform::LiveNotifier> notifier;
  std::vector<std::unique_ptr<platform::MailTransport>> mail;  // empty while email is off
  std::unique_ptr<platform::EmailOutbox> email;                // made by start
  // Web Push (null while off).
  std::shared_ptr<const notify::P256Key> vapid_key;
  std::string vapid_public_key;  // base64url of the uncompressed point (applicationServerKey)
  std::unique_ptr<platform::PushSubscriptionService> push_subscriptions;
  std::vector<std::unique_ptr<platform::PushTransport>> push_transports;
  std::unique_ptr<platform::PushOutbox> push;  // made by start
  // Reminders and schedule-change notices of scheduled streams (its own thread).
  std::unique_ptr<platform::ScheduleNotifier> schedule;
  // Signs the unsubscribe links of mails (/unsubscribe, api/unsubscribe_routes.h).
  std::unique_ptr<platform::UnsubscribeTokens> unsubscribe;
  // notify.delivery = "process": the outboxes run in the delivery agent (null otherwise).
  std::unique_ptr<DeliveryAgentLink> agent;

  // Starts the schedule notifier and delivering email and push (as configured); links point at
  // `base_url`.
  void start(const Config& config, const std::string& base_url, store::Store& store,
             const Clock& clock, MetricsRegistry& metrics);
  // Finishes the fan-outs under way and the mails and pushes being sent; before the listeners
  // (the gateway) go. Unsent rows stay in the outbox for the next start.
  void stop();

  // The email and push outboxes of this process (start() in-process; the delivery agent), their
  // leases naming `holder`.
  void start_outboxes(const Config& config, const std::string& base_url, store::Store& store,
                      const Clock& clock, const store::LeaseHolder& holder);
  void stop_outboxes();

 private:
  void refresh_metrics_loop(store::Store& store, MetricsRegistry& metrics);
  std::mutex metrics_mu_;
  std::condition_variable metrics_cv_;
  bool metrics_stop_ = false;
  std::thread metrics_thread_;
};

// The mail and push transports (and the VAPID key) as configured: wire_notify's part that the
// delivery agent needs too. Throws std::runtime_error on an unusable configuration.
void wire_delivery(const Config& config, NotifyWiring& w, store::Store& store, const Clock& clock);

// Registers the notifiers with the stream service: call while wiring, before serving. Throws
// std::runtime_error on an unusable SMTP or push configuration (a start-up failure). `secret` is
// the server's JWT secret (the unsubscribe links' key is derived from it).
std::unique_ptr<NotifyWiring> wire_notify(const Config& config,
                                          platform::PlatformServices& platform, store::Store& store,
                                          const Clock& clock, const std::string& secret);

}  // namespace stagecast::app
