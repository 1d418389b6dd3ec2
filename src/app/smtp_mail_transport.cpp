#include "app/smtp_mail_transport.h"

#include "notify/email_message.h"

namespace stagecast::app {

Result<void> SmtpMailTransport::send(const platform::OutgoingMail& mail) {
  notify::EmailContent c;
  c.from = from_;
  c.from_name = from_name_;
  c.to = mail.to;
  c.subject = mail.subject;
  c.text = mail.text;
  c.html = mail.html;
  c.message_id = mail.message_id;
  c.list_unsubscribe = mail.list_unsubscribe;
  c.date = clock_.now();
  auto sent = sender_->send(from_, mail.to, notify::compose_email(c));
  if (sent) return {};
  return make_error(sent.error().code == notify::kSmtpPermanent ? platform::kMailPermanent
                                                                : platform::kMailTransient,
                    sent.error().message);
}

}  // namespace stagecast::app
