#include "platform/push_subscription_service.h"

#include "platform/errors.h"

namespace stagecast::platform {

Result<store::PushSubscription> PushSubscriptionService::subscribe(
    const Identity& caller, const PushSubscriptionInput& in) {
  auto& repo = store_.push_subscriptions();
  auto existing = repo.list_for_user(caller.user_id);
  if (!existing) return existing.error();
  bool known = false;
  for (const auto& s : *existing) known = known || s.endpoint == in.endpoint;
  // Oldest first: the browsers not seen for longest make room.
  for (size_t i = 0; !known && existing->size() - i >= kMaxPushSubscriptionsPerUser; ++i) {
    if (auto r = repo.remove_by_endpoint((*existing)[i].endpoint); !r) return r.error();
  }
  store::PushSubscription s;
  s.user_id = caller.user_id;
  s.endpoint = in.endpoint;
  s.p256dh = in.p256dh;
  s.auth = in.auth;
  s.created_at = clock_.unix_millis();
  return repo.upsert(s);
}

Result<void> PushSubscriptionService::unsubscribe(const Identity& caller,
                                                  const std::string& endpoint) {
  auto& repo = store_.push_subscriptions();
  auto mine = repo.list_for_user(caller.user_id);
  if (!mine) return mine.error();
  for (const auto& s : *mine) {
    if (s.endpoint != endpoint) continue;
    if (auto r = repo.remove_by_endpoint(endpoint); !r) return r.error();
    return {};
  }
  return make_error(errc::kNotFound, "no such push subscription of yours");
}

}  // namespace stagecast::platform
