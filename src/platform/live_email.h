#pragma once
// What the "artist is live" email says: subject, plain text and HTML with the stream's title and
// a link to its watch page. The stream's title and the artist's name come from users: they are
// escaped in the HTML.

#include <string>

#include "store/records.h"

namespace stagecast::platform {

struct LiveEmailText {
  std::string subject;
  std::string text;
  std::string html;
};

// `n` is a stream_live notification (its payload as LiveNotifier wrote it); `base_url` the
// site's public origin without a trailing slash (server.public_url).
LiveEmailText live_email_text(const store::Notification& n, const std::string& base_url);

// "stream_live.<stream>.<user>.EMAIL@<domain>": the idempotency key as a Message-ID (RFC 5322
// 3.6.4 id-left is a dot-atom: ':' is not allowed there).
std::string message_id_for(const store::Notification& n, const std::string& domain);

}  // namespace stagecast::platform
