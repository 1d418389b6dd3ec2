#pragma once
// platform::MailTransport over SMTP: composes the RFC 5322 message (notify/email_message.h) and
// sends it with notify::SmtpSender, mapping its transient and permanent failures.

#include <memory>
#include <string>

#include "core/clock.h"
#include "notify/smtp_sender.h"
#include "platform/mail_transport.h"

namespace stagecast::app {

class SmtpMailTransport final : public platform::MailTransport {
 public:
  SmtpMailTransport(std::unique_ptr<notify::SmtpSender> sender, std::string from,
                    std::string from_name, const Clock& clock)
      : sender_(std::move(sender)),
        from_(std::move(from)),
        from_name_(std::move(from_name)),
        clock_(clock) {}

  Result<void> send(const platform::OutgoingMail& mail) override;

 private:
  std::unique_ptr<notify::SmtpSender> sender_;
  std::string from_;
  std::string from_name_;
  const Clock& clock_;
};

}  // namespace stagecast::app
