#include "platform/email_outbox.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "platform/notification_email.h"

namespace stagecast::platform {

EmailOutbox::EmailOutbox(store::Store& store, const Clock& clock, MailTransport& transport,
                         RetrySchedule retries, EmailOutboxOptions options)
    : store_(store),
      clock_(clock),
      transport_(transport),
      retries_(std::move(retries)),
      options_(std::move(options)) {}

EmailOutbox::~EmailOutbox() {
  stop();
}

void EmailOutbox::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
}

void EmailOutbox::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EmailOutbox::pending_written(store::NotificationChannel channel) {
  if (channel != store::NotificationChannel::kEmail) return;
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

Result<size_t> EmailOutbox::run_once() {
  const int64_t now = clock_.unix_millis();
  auto claimed = store_.notifications().claim_due(store::NotificationChannel::kEmail, now,
                                                  options_.batch, options_.lease.count());
  if (!claimed) return claimed.error();
  for (const store::Notification& n : *claimed) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;  // the rest waits for its lease (or a restart) to be sent
    }
    deliver(n);
  }
  return claimed->size();
}

void EmailOutbox::run() {
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      woken_ = false;
    }
    auto claimed = run_once();
    if (!claimed) spdlog::warn("email outbox: {}", claimed.error().message);
    if (claimed && *claimed > 0) continue;  // there may be more due
    // Sleep until the next row is due (a retry's backoff), new rows arrive, or the idle poll.
    auto wait = options_.idle_poll;
    if (auto due = store_.notifications().next_due(store::NotificationChannel::kEmail);
        due && *due) {
      const int64_t in = **due - clock_.unix_millis();
      wait = std::clamp(std::chrono::milliseconds(in), std::chrono::milliseconds(1), wait);
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, wait, [this] { return stopping_ || woken_; });
  }
}

void EmailOutbox::deliver(const store::Notification& n) {
  auto& repo = store_.notifications();
  auto user = store_.users().find_by_id(n.user_id);
  Result<void> sent = make_error(kMailPermanent, "the user has no account here");
  if (user) {
    std::string unsubscribe;
    if (options_.unsubscribe != nullptr) {
      unsubscribe =
          options_.base_url + "/unsubscribe?token=" + options_.unsubscribe->issue(n.user_id);
    }
    const NotificationEmailText t = notification_email_text(n, options_.base_url, unsubscribe);
    sent =
        transport_.send(OutgoingMail{user->email, t.subject, t.text, t.html,
                                     message_id_for(n, options_.message_id_domain), unsubscribe});
  } else if (user.error().code != "not_found") {
    sent = make_error(kMailTransient, user.error().message);
  }
  const int64_t now = clock_.unix_millis();
  if (sent) {
    if (auto r = repo.mark_sent(n.id, now); !r) {
      spdlog::error("email {} sent but not marked: {}", n.id, r.error().message);
    }
    return;
  }
  const std::string error = sent.error().code + ": " + sent.error().message;
  std::optional<int64_t> next;
  if (sent.error().code == kMailTransient && retries_.may_retry(n.attempts)) {
    next = now + retries_.delay_after(n.attempts).count();
  }
  // The recipient's address is not logged: the row id leads to it for those who may see it.
  if (next) {
    spdlog::info("email {} attempt {} failed ({}); next in {} ms", n.id, n.attempts, error,
                 *next - now);
  } else {
    spdlog::warn("email {} failed for good after {} attempts ({})", n.id, n.attempts, error);
  }
  if (auto r = repo.mark_attempt_failed(n.id, error, next); !r) {
    spdlog::error("email {}: failure not recorded: {}", n.id, r.error().message);
  }
}

}  // namespace stagecast::platform
