#include "platform/access_facts.h"

#include "platform/errors.h"

namespace stagecast::platform {

int active_tier(const std::optional<store::Subscription>& subscription, int64_t now_ms) {
  if (!subscription || subscription->status != store::SubscriptionStatus::kActive) return 0;
  if (subscription->expires_at && *subscription->expires_at <= now_ms) return 0;
  return subscription->tier >= 1 ? subscription->tier : 0;
}

Result<Subject> AccessFacts::subject(const Identity* caller,
                                     const store::LiveStream& stream) const {
  Subject s;
  if (caller == nullptr) return s;
  s.anonymous = false;
  s.role = caller->role;
  s.owner = caller->user_id == stream.artist_id;
  // Owners and admins are decided on role alone; spare the four lookups.
  if (s.owner || s.role == store::Role::kAdmin) return s;

  const int64_t now = clock_->unix_millis();
  auto sub = store_->subscriptions().find(caller->user_id, stream.artist_id);
  if (sub.ok()) {
    s.subscription_tier = active_tier(sub.value(), now);
  } else if (sub.error().code != errc::kNotFound) {
    return errc::from_store(sub.error());
  }
  auto ticket = store_->tickets().has_paid_ticket(stream.id, caller->user_id);
  if (!ticket) return errc::from_store(ticket.error());
  s.ticket = *ticket;
  auto moderator = store_->moderation().is_moderator(stream.artist_id, caller->user_id);
  if (!moderator) return errc::from_store(moderator.error());
  s.moderator = *moderator;
  auto ban = store_->moderation().find_active_ban(stream.artist_id, caller->user_id, now);
  if (!ban) return errc::from_store(ban.error());
  if (ban->has_value()) {
    // A ban without expiry is permanent; one with an expiry is a timeout (records.h StreamBan).
    if ((*ban)->expires_at) {
      s.timed_out = true;
    } else {
      s.banned = true;
    }
  }
  return s;
}

StreamFacts AccessFacts::stream_facts(const store::LiveStream& stream, bool owner_verified) {
  StreamFacts f;
  f.status = stream.status;
  f.visibility = stream.visibility;
  f.min_tier = stream.min_tier;
  f.chat_enabled = stream.chat_enabled;
  f.chat_subscribers_only = stream.chat_subscribers_only;
  f.owner_verified = owner_verified;
  return f;
}

Result<StreamFacts> AccessFacts::stream_facts(const store::LiveStream& stream) const {
  auto owner = store_->users().find_by_id(stream.artist_id);
  if (!owner) {
    // An owner row that vanished cannot be verified; any other failure is the database's.
    if (owner.error().code == errc::kNotFound) return stream_facts(stream, false);
    return errc::from_store(owner.error());
  }
  return stream_facts(stream, is_verified_artist(*owner));
}

}  // namespace stagecast::platform
