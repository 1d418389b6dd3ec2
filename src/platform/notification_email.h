#pragma once
// What a notification email says, by kind (docs/notifications.md): the stream went live, a
// reminder before its scheduled time, a new time, a cancellation. Subject, plain text and HTML
// with the stream's title and the links (watch page; calendar for a scheduled time); every mail
// ends with the unsubscribe link. Titles and names come from users: escaped in the HTML.

#include <string>

#include "store/records.h"

namespace stagecast::platform {

struct NotificationEmailText {
  std::string subject;
  std::string text;
  std::string html;
};

// `n` is a row LiveNotifier wrote (its payload); `base_url` the site's public origin without a
// trailing slash (server.public_url); `unsubscribe_url` the absolute one-click link (empty: no
// footer, e.g. in tests of the text alone).
NotificationEmailText notification_email_text(const store::Notification& n,
                                              const std::string& base_url,
                                              const std::string& unsubscribe_url);

// "<kind>.<stream>...EMAIL@<domain>": the idempotency key as a Message-ID (RFC 5322 3.6.4
// id-left is a dot-atom: ':' is not allowed there).
std::string message_id_for(const store::Notification& n, const std::string& domain);

}  // namespace stagecast::platform
