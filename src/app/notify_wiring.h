#pragma once
// Notifications (docs/notifications.md): the outbox writer that hears streams go live, the
// caller's own notifications behind /api/notifications, and, when notify.smtp_url is set, the
// email outbox that delivers over SMTP. The realtime gateway is added as a listener once it
// exists, so a signed-in fan's open page hears the notification at once.

#include <memory>
#include <string>

#include "app/config.h"
#include "core/clock.h"
#include "platform/email_outbox.h"
#include "platform/live_notifier.h"
#include "platform/mail_transport.h"
#include "platform/notification_service.h"
#include "platform/platform_services.h"
#include "platform/schedule_notifier.h"
#include "platform/unsubscribe_token.h"
#include "store/store.h"

namespace stagecast::app {

struct NotifyWiring {
  std::unique_ptr<platform::NotificationService> service;
  std::unique_ptr<platform::LiveNotifier> notifier;
  std::unique_ptr<platform::MailTransport> mail;  // null while email is off
  std::unique_ptr<platform::EmailOutbox> email;   // made by start
  // Reminders and schedule-change notices of scheduled streams (its own thread).
  std::unique_ptr<platform::ScheduleNotifier> schedule;
  // Signs the unsubscribe links of mails (/unsubscribe, api/unsubscribe_routes.h).
  std::unique_ptr<platform::UnsubscribeTokens> unsubscribe;

  // Starts the schedule notifier and delivering email (when configured); links in mails point
  // at `base_url`.
  void start(const Config& config, const std::string& base_url, store::Store& store,
             const Clock& clock);
  // Finishes the fan-outs under way and the mail being sent; before the listeners (the gateway)
  // go. Unsent mail stays in the outbox for the next start.
  void stop();
};

// Registers the notifiers with the stream service: call while wiring, before serving. Throws
// std::runtime_error on an unusable SMTP configuration (a start-up failure). `secret` is the
// server's JWT secret (the unsubscribe links' key is derived from it).
std::unique_ptr<NotifyWiring> wire_notify(const Config& config,
                                          platform::PlatformServices& platform, store::Store& store,
                                          const Clock& clock, const std::string& secret);

}  // namespace stagecast::app
