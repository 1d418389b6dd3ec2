#include "platform/push_outbox.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "platform/rfc3339.h"

namespace stagecast::platform {

std::string push_payload_json(const store::Notification& n, const std::string& base_url) {
  const nlohmann::json p = nlohmann::json::parse(n.payload, nullptr, false);
  const auto str = [&p](const char* k) {
    return p.is_object() && p.contains(k) && p[k].is_string() ? p[k].get<std::string>()
                                                              : std::string();
  };
  const auto when = [&p](const char* k) {
    return p.is_object() && p.contains(k) && p[k].is_number_integer()
               ? format_human_utc(p[k].get<int64_t>())
               : std::string("(time not set)");
  };
  const std::string artist = str("artistName").empty() ? "An artist" : str("artistName");
  const std::string stream = str("streamId");
  const std::string title = str("title");
  // The same sentences as the mails and the bell (docs/notifications.md), shortened.
  std::string heading = artist + " is live";
  std::string body = title;
  if (n.kind == "stream_scheduled") {
    heading = artist + " scheduled a stream";
    body = title + " \u2014 " + when("scheduledAt");
  } else if (n.kind == "stream_reminder") {
    heading = artist + " goes live soon";
    body = title + " \u2014 " + when("scheduledAt");
  } else if (n.kind == "stream_rescheduled") {
    heading = artist + " moved a stream";
    body = title + " \u2014 now " + when("scheduledAt");
  } else if (n.kind == "stream_cancelled") {
    heading = artist + " cancelled a stream";
  }
  return nlohmann::json{{"title", heading},
                        {"body", body},
                        {"url", base_url + str("watchPath")},
                        {"tag", n.kind + ":" + stream},
                        {"streamId", stream}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

PushOutbox::PushOutbox(store::Store& store, const Clock& clock,
                       std::vector<PushTransport*> transports, RetrySchedule retries,
                       PushOutboxOptions options)
    : store_(store), transports_(std::move(transports)), options_(std::move(options)) {
  OutboxRunnerOptions ro;
  ro.name = "push";
  ro.workers = static_cast<int>(transports_.size());
  ro.batch = options_.batch;
  ro.lease = options_.lease;
  ro.idle_poll = options_.idle_poll;
  ro.per_second = options_.per_second;
  ro.holder = options_.holder;
  runner_ = std::make_unique<OutboxRunner>(store, clock, store::NotificationChannel::kPush,
                                           std::move(retries), ro,
                                           [this](const store::Notification& n, size_t worker) {
                                             return deliver(n, *transports_.at(worker));
                                           });
}

PushOutbox::~PushOutbox() {
  stop();
}

void PushOutbox::start() {
  runner_->start();
}

void PushOutbox::stop() {
  runner_->stop();
}

void PushOutbox::pending_written(store::NotificationChannel channel) {
  if (channel == store::NotificationChannel::kPush) runner_->wake();
}

Result<size_t> PushOutbox::run_once(size_t worker) {
  return runner_->run_once(worker);
}

Delivery PushOutbox::deliver(const store::Notification& n, PushTransport& transport) {
  const nlohmann::json p = nlohmann::json::parse(n.payload, nullptr, false);
  if (!p.is_object() || !p.contains("subscriptionId") || !p["subscriptionId"].is_string()) {
    return Delivery::permanent("the row names no push subscription");
  }
  auto sub = store_.push_subscriptions().find(p["subscriptionId"].get<std::string>());
  if (!sub) {
    if (sub.error().code == "not_found") return Delivery::permanent("subscription removed");
    return Delivery::transient(sub.error().message);
  }
  OutgoingPush out{sub->endpoint, sub->p256dh, sub->auth, push_payload_json(n, options_.base_url),
                   n.stream_id.value_or(std::string())};
  const PushOutcome r = transport.send(out);
  switch (r.kind) {
    case PushOutcome::Kind::kDelivered:
      return Delivery::sent();
    case PushOutcome::Kind::kGone: {
      // RFC 8030 7.3 / 8.2: the subscription is gone; nothing will ever reach it.
      if (auto removed = store_.push_subscriptions().remove_by_endpoint(sub->endpoint); !removed) {
        return Delivery::transient("gone, but not removed: " + removed.error().message);
      }
      spdlog::info("push subscription {} removed: {}", sub->id, r.error);
      return Delivery::permanent("subscription gone (" + r.error + ")");
    }
    case PushOutcome::Kind::kRetry:
      return Delivery::transient(r.error, r.retry_after);
    case PushOutcome::Kind::kRejected:
      break;
  }
  return Delivery::permanent(r.error);
}

}  // namespace stagecast::platform
