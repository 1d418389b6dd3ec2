#pragma once
// The caller's own notifications (docs/notifications.md): the in-app list, read marks, the
// unread count, and which channels they allow. Every call is about the caller: nobody reads or
// marks another user's notifications, so a foreign id is simply not_found.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "platform/identity.h"
#include "store/store.h"

namespace stagecast::platform {

inline constexpr int kDefaultNotificationPage = 20;
inline constexpr int kMaxNotificationPage = 100;

struct NotificationPage {
  std::vector<store::Notification> items;  // newest first
  int64_t unread_count = 0;
  std::optional<int64_t> next_before;  // createdAt of the last item when the page was full
};

// The settings a user may change; absent fields keep their value.
struct NotificationSettingsInput {
  std::optional<bool> in_app;
  std::optional<bool> email;
  // The whole list of muted artists (replaces it).
  std::optional<std::vector<std::string>> muted_artists;
  // The whole list of artists whose emails are off (replaces it; the unsubscribe links add to it).
  std::optional<std::vector<std::string>> email_muted_artists;
};

inline constexpr size_t kMaxMutedArtists = 1000;

// An artist the settings page lists: those the user subscribes to now, and those muted.
struct NotificationArtist {
  std::string id;
  std::string display_name;
  bool subscribed = false;  // an active, unexpired subscription: notifications reach them
  bool muted = false;
  bool email_muted = false;  // no email about this artist (in-app and push go on)
};

struct NotificationSettingsView {
  store::NotificationSettings channels;
  std::vector<std::string> muted_artists;        // ids, ordered
  std::vector<std::string> email_muted_artists;  // ids, ordered
  std::vector<NotificationArtist> artists;  // subscribed or muted, by name
};

class NotificationService {
 public:
  // Borrowed; must outlive the service.
  NotificationService(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Whether the server sends email (a mail server is configured); set while wiring. The settings
  // say so, so that a page never offers email as if it were sent when it is not.
  void set_email_available(bool available) { email_available_ = available; }
  bool email_available() const { return email_available_; }

  // Errors: db_unavailable.
  Result<NotificationPage> list(const Identity& caller, int limit, bool unread_only,
                                std::optional<int64_t> before_ms);
  // Errors: not_found (no such in-app notification of the caller), db_unavailable.
  Result<void> mark_read(const Identity& caller, const std::string& id);
  Result<NotificationSettingsView> settings(const Identity& caller);
  // Errors: validation_failed (a muted id that is no artist, too many), db_unavailable.
  Result<NotificationSettingsView> update_settings(const Identity& caller,
                                                   const NotificationSettingsInput& in);
  // The unsubscribe link of a mail (no sign-in: the signed token named the user): email off
  // for every artist. Errors: not_found (no such user any more), db_unavailable.
  Result<void> unsubscribe_email(const std::string& user_id);
  // The per-artist link: no more email about `artist_id`'s streams (added to the user's
  // emailMutedArtists). Errors: not_found (no such user or artist), db_unavailable.
  Result<void> unsubscribe_email_from(const std::string& user_id, const std::string& artist_id);
  // An artist's display name for the unsubscribe page. Errors: not_found, db_unavailable.
  Result<std::string> artist_name(const std::string& artist_id);

 private:
  Result<std::vector<std::string>> checked_artists(const std::vector<std::string>& ids,
                                                   const char* field);
  Result<NotificationSettingsView> view_of(store::NotificationSettings channels);

  store::Store& store_;
  const Clock& clock_;
  bool email_available_ = false;
};

}  // namespace stagecast::platform
