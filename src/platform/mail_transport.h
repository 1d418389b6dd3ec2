#pragma once
// How the email outbox hands a mail over (docs/notifications.md). The platform composes what to
// say; app/ wires an SMTP implementation (notify/smtp_sender.h), tests a recording fake. Called
// on the outbox's own thread; may block.

#include <string>

#include "core/result.h"

namespace stagecast::platform {

struct OutgoingMail {
  std::string to;  // addr-spec
  std::string subject;
  std::string text;
  std::string html;
  // Stable per notification: the same mail sent again after a crash is recognisably the same.
  std::string message_id;
  // The one-click unsubscribe URL (RFC 8058): List-Unsubscribe and List-Unsubscribe-Post
  // headers when set.
  std::string list_unsubscribe;
};

// Error codes of send().
inline constexpr const char* kMailTransient = "mail_transient";  // try again later
inline constexpr const char* kMailPermanent = "mail_permanent";  // never

class MailTransport {
 public:
  virtual ~MailTransport() = default;
  virtual Result<void> send(const OutgoingMail& mail) = 0;
};

}  // namespace stagecast::platform
