#include "platform/notification_service.h"

#include <algorithm>
#include <map>
#include <set>

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

Result<NotificationSettingsView> NotificationService::view_of(
    store::NotificationSettings channels) {
  NotificationSettingsView v;
  auto muted = store_.notifications().muted_artists(channels.user_id);
  if (!muted) return errc::from_store(muted.error());
  v.muted_artists = std::move(muted).value();
  auto email_muted = store_.notifications().email_muted_artists(channels.user_id);
  if (!email_muted) return errc::from_store(email_muted.error());
  v.email_muted_artists = std::move(email_muted).value();
  auto subs = store_.subscriptions().list_for_fan(channels.user_id);
  if (!subs) return errc::from_store(subs.error());
  const int64_t now = clock_.unix_millis();
  std::map<std::string, NotificationArtist> artists;
  for (const store::Subscription& sub : *subs) {
    const bool active = sub.status == store::SubscriptionStatus::kActive &&
                        (!sub.expires_at || *sub.expires_at > now);
    if (active) artists[sub.artist_id].subscribed = true;
  }
  for (const std::string& id : v.muted_artists) artists[id].muted = true;
  for (const std::string& id : v.email_muted_artists) artists[id].email_muted = true;
  for (auto& [id, a] : artists) {
    a.id = id;
    auto user = store_.users().find_by_id(id);
    if (!user && user.error().code != errc::kNotFound) return errc::from_store(user.error());
    if (user) a.display_name = user->display_name;
    v.artists.push_back(a);
  }
  std::stable_sort(v.artists.begin(), v.artists.end(),
                   [](const auto& x, const auto& y) { return x.display_name < y.display_name; });
  v.channels = std::move(channels);
  return v;
}

Result<NotificationSettingsView> NotificationService::settings(const Identity& caller) {
  auto s = store_.notifications().settings(caller.user_id);
  if (!s) return errc::from_store(s.error());
  return view_of(std::move(s).value());
}

Result<std::vector<std::string>> NotificationService::checked_artists(
    const std::vector<std::string>& ids, const char* field) {
  if (ids.size() > kMaxMutedArtists) {
    return make_error(errc::kValidationFailed,
                      "'" + std::string(field) + "' holds at most 1000 artists");
  }
  std::set<std::string> unique(ids.begin(), ids.end());
  for (const std::string& id : unique) {
    auto user = store_.users().find_by_id(id);
    if (!user) {
      if (user.error().code != errc::kNotFound) return errc::from_store(user.error());
      return make_error(errc::kValidationFailed,
                        "'" + std::string(field) + "' names an unknown user");
    }
    if (user->role != store::Role::kArtist) {
      return make_error(errc::kValidationFailed,
                        "'" + std::string(field) + "' names a user who is no artist");
    }
  }
  return std::vector<std::string>(unique.begin(), unique.end());
}

Result<NotificationSettingsView> NotificationService::update_settings(
    const Identity& caller, const NotificationSettingsInput& in) {
  const int64_t now = clock_.unix_millis();
  if (in.muted_artists) {
    auto ids = checked_artists(*in.muted_artists, "mutedArtists");
    if (!ids) return ids.error();
    auto saved = store_.notifications().set_muted_artists(caller.user_id, *ids, now);
    if (!saved) return errc::from_store(saved.error());
  }
  if (in.email_muted_artists) {
    auto ids = checked_artists(*in.email_muted_artists, "emailMutedArtists");
    if (!ids) return ids.error();
    auto saved = store_.notifications().set_email_muted_artists(caller.user_id, *ids, now);
    if (!saved) return errc::from_store(saved.error());
  }
  auto s = store_.notifications().settings(caller.user_id);
  if (!s) return errc::from_store(s.error());
  if (in.in_app || in.email) {
    if (in.in_app) s->in_app = *in.in_app;
    if (in.email) s->email = *in.email;
    s->updated_at = now;
    auto saved = store_.notifications().put_settings(*s);
    if (!saved) return errc::from_store(saved.error());
  }
  return view_of(std::move(s).value());
}

Result<void> NotificationService::unsubscribe_email(const std::string& user_id) {
  auto user = store_.users().find_by_id(user_id);
  if (!user) return errc::from_store(user.error());
  auto s = store_.notifications().settings(user_id);
  if (!s) return errc::from_store(s.error());
  s->email = false;
  s->updated_at = clock_.unix_millis();
  auto saved = store_.notifications().put_settings(*s);
  if (!saved) return errc::from_store(saved.error());
  return {};
}

Result<void> NotificationService::unsubscribe_email_from(const std::string& user_id,
                                                         const std::string& artist_id) {
  auto user = store_.users().find_by_id(user_id);
  if (!user) return errc::from_store(user.error());
  auto artist = store_.users().find_by_id(artist_id);
  if (!artist) return errc::from_store(artist.error());
  auto saved =
      store_.notifications().set_email_muted(user_id, artist_id, true, clock_.unix_millis());
  if (!saved) return errc::from_store(saved.error());
  return {};
}

Result<std::string> NotificationService::artist_name(const std::string& artist_id) {
  auto artist = store_.users().find_by_id(artist_id);
  if (!artist) return errc::from_store(artist.error());
  return artist->display_name;
}

}  // namespace stagecast::platform
