#include "platform/live_notifier.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_set>

namespace stagecast::platform {

LiveNotifier::LiveNotifier(store::Store& store, const Clock& clock, LiveNotifierOptions options)
    : store_(store),
      clock_(clock),
      options_(options),
      pool_("notify", 1, options.max_queued_streams) {}

LiveNotifier::~LiveNotifier() {
  stop();
}

void LiveNotifier::add_listener(NotificationEvents& listener) {
  std::lock_guard lock(listeners_mutex_);
  listeners_.push_back(&listener);
}

void LiveNotifier::stop() {
  pool_.stop();
}

std::string LiveNotifier::idempotency_key(const std::string& stream_id, const std::string& user_id,
                                          store::NotificationChannel channel) {
  return "stream_live:" + stream_id + ":" + user_id + ":" + std::string(store::to_string(channel));
}

std::string LiveNotifier::idempotency_key(const SubscriberNotice& notice,
                                          const std::string& user_id,
                                          store::NotificationChannel channel) {
  std::string key = notice.kind + ":" + notice.stream.id;
  if (notice.at) key += ":" + std::to_string(*notice.at);
  return key + ":" + user_id + ":" + std::string(store::to_string(channel));
}

std::string SubscriberNotice::told_key(const std::string& user_id,
                                       store::NotificationChannel channel) {
  return user_id + ":" + std::string(store::to_string(channel));
}

void LiveNotifier::went_live(const store::LiveStream& stream) {
  const bool posted = pool_.post([this, stream] {
    auto n = fan_out(stream);
    if (!n) {
      spdlog::error("notifications for stream {} not written: {}", stream.id, n.error().message);
      return;
    }
    spdlog::info("stream {} live: {} notifications written", stream.id, *n);
  });
  if (!posted) spdlog::error("notifications for stream {} dropped: queue full", stream.id);
}

Result<std::vector<store::Notification>> LiveNotifier::rows_for(const SubscriberNotice& notice) {
  const store::LiveStream& stream = notice.stream;
  const int64_t now = clock_.unix_millis();
  auto subs = store_.subscriptions().list_active_for_artist(stream.artist_id, now);
  if (!subs) return subs.error();
  auto muted = store_.notifications().muted_by(stream.artist_id);
  if (!muted) return muted.error();
  const std::unordered_set<std::string> muted_set(muted->begin(), muted->end());
  // Fans who unsubscribed from this artist's emails (a mail's link) still get in-app and push.
  auto email_muted = store_.notifications().email_muted_by(stream.artist_id);
  if (!email_muted) return email_muted.error();
  const std::unordered_set<std::string> email_muted_set(email_muted->begin(), email_muted->end());
  std::string artist_name;
  if (auto artist = store_.users().find_by_id(stream.artist_id)) {
    artist_name = artist->display_name;
  }
  nlohmann::json data = {{"streamId", stream.id},
                         {"artistId", stream.artist_id},
                         {"artistName", artist_name},
                         {"title", stream.title},
                         {"watchPath", "/watch/" + stream.id}};
  if (notice.kind != "stream_live") {
    data["scheduledAt"] =
        notice.scheduled_at ? nlohmann::json(*notice.scheduled_at) : nlohmann::json(nullptr);
    if (notice.previous_scheduled_at) data["previousScheduledAt"] = *notice.previous_scheduled_at;
    if (notice.scheduled_at)
      data["calendarPath"] = "/api/livestream/" + stream.id + "/calendar.ics";
  }
  const std::string payload = data.dump();
  // Whether `user` hears the notice on `channel` (SubscriberNotice::told).
  const auto audience = [&notice](const std::string& user, store::NotificationChannel channel) {
    if (!notice.told) return true;
    return notice.told->contains(SubscriberNotice::told_key(user, channel)) == notice.to_told;
  };
  std::vector<store::Notification> rows;
  rows.reserve(subs->size());
  for (const store::Subscription& s : *subs) {
    if (muted_set.contains(s.fan_id)) continue;
    auto settings = store_.notifications().settings(s.fan_id);
    if (!settings) return settings.error();
    store::Notification n;
    n.user_id = s.fan_id;
    n.kind = notice.kind;
    n.payload = payload;
    n.created_at = now;
    n.stream_id = stream.id;
    n.next_attempt_at = now;
    if (settings->in_app && audience(s.fan_id, store::NotificationChannel::kInApp)) {
      n.channel = store::NotificationChannel::kInApp;
      n.idempotency_key = idempotency_key(notice, s.fan_id, n.channel);
      // Stored is delivered for in-app (the list shows it; the WebSocket event is a courtesy).
      n.status = store::NotificationStatus::kSent;
      n.sent_at = now;
      rows.push_back(n);
    }
    if (options_.email && settings->email && !email_muted_set.contains(s.fan_id) &&
        audience(s.fan_id, store::NotificationChannel::kEmail)) {
      n.channel = store::NotificationChannel::kEmail;
      n.idempotency_key = idempotency_key(notice, s.fan_id, n.channel);
      n.status = store::NotificationStatus::kPending;
      n.sent_at = std::nullopt;
      rows.push_back(n);
    }
    if (options_.push && audience(s.fan_id, store::NotificationChannel::kPush)) {
      auto browsers = store_.push_subscriptions().list_for_user(s.fan_id);
      if (!browsers) return browsers.error();
      for (const store::PushSubscription& b : *browsers) {
        n.channel = store::NotificationChannel::kPush;
        n.idempotency_key = idempotency_key(notice, s.fan_id, n.channel) + ":" + b.id;
        n.status = store::NotificationStatus::kPending;
        n.sent_at = std::nullopt;
        nlohmann::json p = nlohmann::json::parse(payload);
        p["subscriptionId"] = b.id;
        n.payload = p.dump();
        rows.push_back(n);
      }
      n.payload = payload;
    }
  }
  return rows;
}

Result<size_t> LiveNotifier::fan_out(const store::LiveStream& stream) {
  return notify_subscribers(
      SubscriberNotice{stream, "stream_live", std::nullopt, std::nullopt, std::nullopt});
}

Result<size_t> LiveNotifier::notify_subscribers(const SubscriberNotice& notice) {
  auto rows = rows_for(notice);
  if (!rows) return rows.error();
  size_t created = 0;
  for (size_t i = 0; i < rows->size(); i += options_.batch_rows) {
    const size_t end = std::min(rows->size(), i + options_.batch_rows);
    std::vector<store::Notification> batch(rows->begin() + static_cast<ptrdiff_t>(i),
                                           rows->begin() + static_cast<ptrdiff_t>(end));
    auto inserted = store_.notifications().enqueue(batch);
    if (!inserted) return inserted.error();
    created += inserted->size();
    bool email = false;
    bool push = false;
    std::lock_guard lock(listeners_mutex_);
    for (const store::Notification& n : *inserted) {
      if (n.channel != store::NotificationChannel::kInApp) {
        email = email || n.channel == store::NotificationChannel::kEmail;
        push = push || n.channel == store::NotificationChannel::kPush;
        continue;
      }
      for (NotificationEvents* l : listeners_) {
        try {
          l->in_app_created(n);
        } catch (const std::exception& e) {
          spdlog::error("notification listener failed for {}: {}", n.id, e.what());
        }
      }
    }
    if (email) {
      for (NotificationEvents* l : listeners_)
        l->pending_written(store::NotificationChannel::kEmail);
    }
    if (push) {
      for (NotificationEvents* l : listeners_)
        l->pending_written(store::NotificationChannel::kPush);
    }
  }
  return created;
}

}  // namespace stagecast::platform
