#include "platform/email_outbox.h"

#include <nlohmann/json.hpp>

#include "platform/notification_email.h"

namespace stagecast::platform {

EmailOutbox::EmailOutbox(store::Store& store, const Clock& clock, MailTransport& transport,
                         RetrySchedule retries, EmailOutboxOptions options)
    : EmailOutbox(store, clock, std::vector<MailTransport*>{&transport}, std::move(retries),
                  std::move(options)) {}

EmailOutbox::EmailOutbox(store::Store& store, const Clock& clock,
                         std::vector<MailTransport*> transports, RetrySchedule retries,
                         EmailOutboxOptions options)
    : store_(store), transports_(std::move(transports)), options_(std::move(options)) {
  OutboxRunnerOptions ro;
  ro.name = "email";
  ro.workers = static_cast<int>(transports_.size());
  ro.batch = options_.batch;
  ro.lease = options_.lease;
  ro.idle_poll = options_.idle_poll;
  ro.per_second = options_.per_second;
  ro.holder = options_.holder;
  runner_ = std::make_unique<OutboxRunner>(store, clock, store::NotificationChannel::kEmail,
                                           std::move(retries), ro,
                                           [this](const store::Notification& n, size_t worker) {
                                             return deliver(n, *transports_.at(worker));
                                           });
}

EmailOutbox::~EmailOutbox() {
  stop();
}

void EmailOutbox::start() {
  runner_->start();
}

void EmailOutbox::stop() {
  runner_->stop();
}

void EmailOutbox::pending_written(store::NotificationChannel channel) {
  if (channel == store::NotificationChannel::kEmail) runner_->wake();
}

Result<size_t> EmailOutbox::run_once() {
  return runner_->run_once(0);
}

Delivery EmailOutbox::deliver(const store::Notification& n, MailTransport& transport) {
  auto user = store_.users().find_by_id(n.user_id);
  if (!user) {
    if (user.error().code == "not_found")
      return Delivery::permanent("the user has no account here");
    return Delivery::transient(user.error().message);
  }
  std::string unsubscribe;
  if (options_.unsubscribe != nullptr) {
    // The link stops this artist's mails (the page also offers all email).
    const nlohmann::json data = nlohmann::json::parse(n.payload, nullptr, false);
    const std::string artist =
        data.is_object() && data.contains("artistId") && data["artistId"].is_string()
            ? data["artistId"].get<std::string>()
            : std::string();
    unsubscribe = options_.base_url + "/unsubscribe?token=" +
                  (artist.empty() ? options_.unsubscribe->issue_all(n.user_id)
                                  : options_.unsubscribe->issue(n.user_id, artist));
  }
  const NotificationEmailText t = notification_email_text(n, options_.base_url, unsubscribe);
  // The recipient's address is never logged: the row id leads to it for those who may see it.
  auto sent =
      transport.send(OutgoingMail{user->email, t.subject, t.text, t.html,
                                  message_id_for(n, options_.message_id_domain), unsubscribe});
  if (sent) return Delivery::sent();
  const std::string error = sent.error().code + ": " + sent.error().message;
  if (sent.error().code == kMailTransient) return Delivery::transient(error);
  return Delivery::permanent(error);
}

}  // namespace stagecast::platform
