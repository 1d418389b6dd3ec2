#pragma once
// An email as the bytes SMTP carries (RFC 5322 message format, MIME per RFC 2045/2046): a
// multipart/alternative with a plain-text and an HTML part, both UTF-8, base64 so that no line
// is over SMTP's 998-octet limit (RFC 5321 4.5.3.1.6) whatever the text holds. Header values
// are the caller's text with CR and LF removed: a stream title can never inject a header.

#include <chrono>
#include <optional>
#include <string>

namespace stagecast::notify {

struct EmailContent {
  std::string from;       // addr-spec, e.g. notify@example.com
  std::string from_name;  // display name; may be empty
  std::string to;         // addr-spec
  std::string subject;    // UTF-8; encoded per RFC 2047 when not ASCII
  std::string text;       // text/plain body, UTF-8
  std::string html;       // text/html body, UTF-8
  // Stable per notification (built from the outbox's idempotency key), so that a mail sent again
  // after a crash carries the same Message-ID and receivers can tell it is the same (RFC 5322
  // 3.6.4).
  std::string message_id;  // without angle brackets, e.g. "stream_live.abc@stagecast"
  std::chrono::system_clock::time_point date;
  // One-click unsubscribe (RFC 8058 section 3.1): when set, "List-Unsubscribe: <url>" (RFC 2369)
  // and "List-Unsubscribe-Post: List-Unsubscribe=One-Click". RFC 8058 wants an https URL and
  // the headers covered by a DKIM signature (the relay's business).
  std::string list_unsubscribe;
};

// The whole message: headers, blank line, body; lines end with CRLF.
std::string compose_email(const EmailContent& content);

// `s` with CR, LF and other control characters removed (header values).
std::string header_safe(std::string_view s);

}  // namespace stagecast::notify
