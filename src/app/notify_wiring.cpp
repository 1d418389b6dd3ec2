#include "app/notify_wiring.h"

#include <spdlog/spdlog.h>

#include <random>
#include <stdexcept>

#include "app/smtp_mail_transport.h"
#include "notify/smtp_sender.h"

namespace stagecast::app {

std::unique_ptr<NotifyWiring> wire_notify(const Config& config,
                                          platform::PlatformServices& platform, store::Store& store,
                                          const Clock& clock, const std::string& secret) {
  auto w = std::make_unique<NotifyWiring>();
  w->service = std::make_unique<platform::NotificationService>(store, clock);
  platform::LiveNotifierOptions lo;
  if (!config.notify_smtp_url.empty()) {
    notify::SmtpOptions so;
    so.url = config.notify_smtp_url;
    so.tls = notify::parse_smtp_tls(config.notify_smtp_tls).value();  // validated
    so.username = config.notify_smtp_username;
    so.password = config.notify_smtp_password;
    so.ca_file = config.notify_smtp_ca_file;
    so.timeout = std::chrono::milliseconds(config.notify_smtp_timeout_ms);
    so.connect_timeout = std::min(so.timeout, std::chrono::milliseconds(10'000));
    auto sender = notify::SmtpSender::create(std::move(so));
    if (!sender) throw std::runtime_error(sender.error().message);
    w->mail = std::make_unique<SmtpMailTransport>(
        std::move(sender).value(), config.notify_email_from, config.notify_email_from_name, clock);
    lo.email = true;
    w->service->set_email_available(true);
  }
  w->notifier = std::make_unique<platform::LiveNotifier>(store, clock, lo);
  platform.streams().add_listener(*w->notifier);
  platform::ScheduleNotifierOptions so;
  so.lead = std::chrono::milliseconds(config.notify_reminder_lead_ms);
  w->schedule = std::make_unique<platform::ScheduleNotifier>(store, clock, *w->notifier, so);
  platform.streams().add_listener(*w->schedule);
  w->unsubscribe = std::make_unique<platform::UnsubscribeTokens>(secret);
  return w;
}

void NotifyWiring::start(const Config& config, const std::string& base_url, store::Store& store,
                         const Clock& clock) {
  schedule->start();
  if (!mail) return;
  RetryPolicy policy;
  policy.base = std::chrono::milliseconds(config.notify_email_retry_base_ms);
  policy.cap = std::chrono::milliseconds(config.notify_email_retry_max_ms);
  policy.max_attempts = static_cast<int>(config.notify_email_max_attempts);
  auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
  RetrySchedule retries(policy, [rng] {
    return std::uniform_real_distribution<double>(0.0, 1.0)(*rng);  // one thread: the outbox's
  });
  platform::EmailOutboxOptions eo;
  eo.base_url = base_url;
  const std::string& from = config.notify_email_from;
  eo.message_id_domain = from.substr(from.find('@') + 1);
  eo.lease = std::chrono::milliseconds(config.notify_smtp_timeout_ms) * 2;
  eo.unsubscribe = unsubscribe.get();
  email = std::make_unique<platform::EmailOutbox>(store, clock, *mail, std::move(retries), eo);
  notifier->add_listener(*email);
  email->start();
  spdlog::info("notification email on (smtp_tls {})", config.notify_smtp_tls);
}

void NotifyWiring::stop() {
  schedule->stop();
  notifier->stop();
  if (email) email->stop();
}

}  // namespace stagecast::app
