#include "platform/notification_service.h"

#include <algorithm>

#include "platform/errors.h"

namespace stagecast::platform {

Result<NotificationPage> NotificationService::list(const Identity& caller, int limit,
                                                   bool unread_only,
                                                   std::optional<int64_t> before_ms) {
  const int n = std::clamp(limit, 1, kMaxNotificationPage);
  auto items = store_.notifications().list_for_user(caller.user_id, n, unread_only, before_ms);
  if (!items) return errc::from_store(items.error());
  auto unread = store_.notifications().count_unread(caller.user_id);
  if (!unread) return errc::from_store(unread.error());
  NotificationPage page;
  page.unread_count = *unread;
  if (static_cast<int>(items->size()) == n) page.next_before = items->back().created_at;
  page.items = std::move(*items);
  return page;
}

Result<void> NotificationService::mark_read(const Identity& caller, const std::string& id) {
  auto r = store_.notifications().mark_read(id, caller.user_id, clock_.unix_millis());
  if (!r) return errc::from_store(r.error());
  return {};
}

Result<store::NotificationSettings> NotificationService::settings(const Identity& caller) {
  auto s = store_.notifications().settings(caller.user_id);
  if (!s) return errc::from_store(s.error());
  return s;
}

Result<store::NotificationSettings> NotificationService::update_settings(
    const Identity& caller, const NotificationSettingsInput& in) {
  auto s = store_.notifications().settings(caller.user_id);
  if (!s) return errc::from_store(s.error());
  if (in.in_app) s->in_app = *in.in_app;
  if (in.email) s->email = *in.email;
  s->updated_at = clock_.unix_millis();
  auto saved = store_.notifications().put_settings(*s);
  if (!saved) return errc::from_store(saved.error());
  return saved;
}

}  // namespace stagecast::platform
