#include "app/notify_wiring.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <random>
#include <stdexcept>

#include "app/delivery_agent.h"
#include "app/smtp_mail_transport.h"
#include "app/web_push_transport.h"
#include "core/base64url.h"
#include "core/random.h"
#include "notify/smtp_sender.h"
#include "notify/vapid.h"

namespace stagecast::app {
namespace {

RetrySchedule retry_schedule(int64_t base_ms, int64_t cap_ms, int64_t max_attempts) {
  RetryPolicy policy;
  policy.base = std::chrono::milliseconds(base_ms);
  policy.cap = std::chrono::milliseconds(cap_ms);
  policy.max_attempts = static_cast<int>(max_attempts);
  auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
  return RetrySchedule(policy, [rng] {
    return std::uniform_real_distribution<double>(0.0, 1.0)(*rng);  // the runner serialises
  });
}

std::string push_subject(const Config& c) {
  if (!c.notify_push_subject.empty()) return c.notify_push_subject;
  if (!c.notify_email_from.empty()) return "mailto:" + c.notify_email_from;
  if (c.public_url.starts_with("https:")) return c.public_url;
  return "mailto:push@stagecast.invalid";  // RFC 8292 2.1: SHOULD, not MUST
}

void wire_email(const Config& config, NotifyWiring& w, const Clock& clock) {
  if (config.notify_smtp_url.empty()) return;
  for (int64_t i = 0; i < config.notify_email_workers; ++i) {
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
    w.mail.push_back(std::make_unique<SmtpMailTransport>(
        std::move(sender).value(), config.notify_email_from, config.notify_email_from_name, clock));
  }
}

void wire_push(const Config& config, NotifyWiring& w, store::Store& store, const Clock& clock) {
  if (!config.notify_push_enabled) return;
  std::string path = config.notify_push_vapid_key_file;
  if (path.empty()) {
    if (config.production) {
      throw std::runtime_error(
          "production mode needs notify.push_vapid_key_file (or notify.push_enabled = false)");
    }
    path = (std::filesystem::path(config.data_dir) / "secrets" / "vapid_private_key.pem").string();
  }
  auto key = notify::load_or_create_vapid_key(path);
  if (!key) throw std::runtime_error("VAPID key: " + key.error().message);
  w.vapid_key = std::make_shared<const notify::P256Key>(std::move(key).value());
  w.vapid_public_key = base64url_encode(std::span<const uint8_t>(w.vapid_key->public_key()));
  w.push_subscriptions = std::make_unique<platform::PushSubscriptionService>(store, clock);
  notify::WebPushClientOptions co;
  co.timeout = std::chrono::milliseconds(config.notify_push_timeout_ms);
  co.connect_timeout = std::min(co.timeout, std::chrono::milliseconds(5'000));
  co.ca_file = config.notify_push_ca_file;
  co.allow_loopback = config.notify_push_allow_http_loopback;
  for (int64_t i = 0; i < config.notify_push_workers; ++i) {
    w.push_transports.push_back(std::make_unique<WebPushTransport>(
        w.vapid_key, push_subject(config), co, static_cast<int>(config.notify_push_ttl_seconds),
        clock));
  }
}

}  // namespace

void wire_delivery(const Config& config, NotifyWiring& w, store::Store& store, const Clock& clock) {
  wire_email(config, w, clock);
  wire_push(config, w, store, clock);
}

std::unique_ptr<NotifyWiring> wire_notify(const Config& config,
                                          platform::PlatformServices& platform, store::Store& store,
                                          const Clock& clock, const std::string& secret) {
  auto w = std::make_unique<NotifyWiring>();
  w->service = std::make_unique<platform::NotificationService>(store, clock);
  wire_delivery(config, *w, store, clock);
  platform::LiveNotifierOptions lo;
  lo.email = !w->mail.empty();
  lo.push = w->vapid_key != nullptr;
  w->service->set_email_available(lo.email);
  w->notifier = std::make_unique<platform::LiveNotifier>(store, clock, lo);
  platform.streams().add_listener(*w->notifier);
  platform::ScheduleNotifierOptions so;
  so.lead = std::chrono::milliseconds(config.notify_reminder_lead_ms);
  w->schedule = std::make_unique<platform::ScheduleNotifier>(store, clock, *w->notifier, so);
  platform.streams().add_listener(*w->schedule);
  w->unsubscribe = std::make_unique<platform::UnsubscribeTokens>(secret);
  return w;
}

namespace {

// A batch's rows are sent one after the other, each after its turn under the channel's pace (at
// most one turn of every worker between two of its own): the lease covers the whole batch, so a
// row is never claimed again while it waits or is being sent.
std::chrono::milliseconds batch_lease(int64_t timeout_ms, int batch, size_t workers,
                                      double per_second) {
  int64_t ms = timeout_ms * (batch + 1);
  if (per_second > 0) {
    ms += static_cast<int64_t>(1000.0 * batch * static_cast<double>(workers) / per_second) + 1;
  }
  return std::chrono::milliseconds(ms);
}

}  // namespace

void NotifyWiring::start(const Config& config, const std::string& base_url, store::Store& store,
                         const Clock& clock, MetricsRegistry& metrics) {
  schedule->start();
  const bool any = !mail.empty() || !push_transports.empty();
  // An in-memory database cannot be shared with another process: delivery stays here then.
  if (any && config.notify_delivery == "process" &&
      store_url_of(config) != store::kSqliteMemoryUrl) {
    // Stopping waits for the sends under way: the longer of the two timeouts, and a margin.
    const auto timeout = std::chrono::milliseconds(
        std::max(config.notify_smtp_timeout_ms, config.notify_push_timeout_ms) + 5'000);
    agent = std::make_unique<DeliveryAgentLink>(base_url, timeout);
    notifier->add_listener(*agent);
    agent->start();
  } else if (any) {
    // Each lease names this process: node.id (stable across restarts) and an id of this start,
    // so the outboxes take back at once what a crashed earlier run of this node left leased.
    start_outboxes(config, base_url, store, clock, {config.node_id, random_id()});
  }
  metrics_thread_ = std::thread([this, &store, &metrics] { refresh_metrics_loop(store, metrics); });
}

void NotifyWiring::start_outboxes(const Config& config, const std::string& base_url,
                                  store::Store& store, const Clock& clock,
                                  const store::LeaseHolder& holder) {
  if (!mail.empty()) {
    platform::EmailOutboxOptions eo;
    eo.base_url = base_url;
    const std::string& from = config.notify_email_from;
    eo.message_id_domain = from.substr(from.find('@') + 1);
    eo.per_second = static_cast<double>(config.notify_email_per_second);
    eo.lease = batch_lease(config.notify_smtp_timeout_ms, eo.batch, mail.size(), eo.per_second);
    eo.unsubscribe = unsubscribe.get();
    eo.holder = holder;
    std::vector<platform::MailTransport*> transports;
    for (auto& m : mail) transports.push_back(m.get());
    email = std::make_unique<platform::EmailOutbox>(
        store, clock, std::move(transports),
        retry_schedule(config.notify_email_retry_base_ms, config.notify_email_retry_max_ms,
                       config.notify_email_max_attempts),
        eo);
    if (notifier) notifier->add_listener(*email);
    email->start();
    spdlog::info("notification email on (smtp_tls {}, {} connections)", config.notify_smtp_tls,
                 mail.size());
  }
  if (!push_transports.empty()) {
    platform::PushOutboxOptions po;
    po.base_url = base_url;
    po.per_second = static_cast<double>(config.notify_push_per_second);
    po.lease = batch_lease(config.notify_push_timeout_ms, po.batch, push_transports.size(),
                           po.per_second);
    po.holder = holder;
    std::vector<platform::PushTransport*> transports;
    for (auto& t : push_transports) transports.push_back(t.get());
    push = std::make_unique<platform::PushOutbox>(
        store, clock, std::move(transports),
        retry_schedule(config.notify_push_retry_base_ms, config.notify_push_retry_max_ms,
                       config.notify_push_max_attempts),
        po);
    if (notifier) notifier->add_listener(*push);
    push->start();
    spdlog::info("web push on ({} workers)", push_transports.size());
  }
}

void NotifyWiring::stop_outboxes() {
  if (email) email->stop();
  if (push) push->stop();
}

void NotifyWiring::refresh_metrics_loop(store::Store& store, MetricsRegistry& metrics) {
  const std::pair<store::NotificationChannel, const char*> channels[] = {
      {store::NotificationChannel::kEmail, "email"}, {store::NotificationChannel::kPush, "push"}};
  const std::pair<store::NotificationStatus, const char*> statuses[] = {
      {store::NotificationStatus::kPending, "pending"},
      {store::NotificationStatus::kSent, "sent"},
      {store::NotificationStatus::kFailed, "failed"}};
  const auto gauge = [&metrics](const char* channel, const char* status) -> Gauge& {
    return metrics.gauge("stagecast_notify_outbox_rows",
                         "Notification outbox rows by channel and status",
                         fmt::format("channel=\"{}\",status=\"{}\"", channel, status));
  };
  for (const auto& [c, cn] : channels) {
    for (const auto& [s, sn] : statuses) gauge(cn, sn).set(0);
  }
  Gauge* agent_up = nullptr;
  if (agent) {
    agent_up = &metrics.gauge("stagecast_notify_delivery_agent_up",
                              "1 while the delivery agent (email and push) runs, 0 while it is "
                              "being restarted");
  }
  std::unique_lock lock(metrics_mu_);
  while (!metrics_stop_) {
    lock.unlock();
    if (agent_up) agent_up->set(agent->running() ? 1 : 0);
    if (auto counts = store.notifications().outbox_counts()) {
      for (const auto& [c, cn] : channels) {
        for (const auto& [s, sn] : statuses) {
          int64_t v = 0;
          for (const auto& row : *counts) {
            if (row.channel == c && row.status == s) v = row.count;
          }
          gauge(cn, sn).set(v);
        }
      }
    }
    lock.lock();
    metrics_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return metrics_stop_; });
  }
}

void NotifyWiring::stop() {
  schedule->stop();
  notifier->stop();
  if (agent) agent->stop();
  stop_outboxes();
  {
    std::lock_guard lock(metrics_mu_);
    metrics_stop_ = true;
  }
  metrics_cv_.notify_all();
  if (metrics_thread_.joinable()) metrics_thread_.join();
}

}  // namespace stagecast::app
