#pragma once
// Sends one email over SMTP with libcurl (RFC 5321; STARTTLS per RFC 3207; AUTH per RFC 4954).
// Blocking: call it from the outbox's worker thread, never an I/O thread.
//
// TLS is what configuration says and nothing less: `starttls` sets CURLUSESSL_ALL, so a server
// that does not offer STARTTLS (or a man in the middle stripping it) fails the send instead of
// sending in clear, which CURLUSESSL_TRY would do silently (curl docs/examples/smtp-tls.c);
// `implicit` needs an smtps:// URL (RFC 8314); `none` must be chosen explicitly (a loopback
// relay). Certificates are always verified; `ca_file` trusts a private CA.
// Credentials go to libcurl only: they are never logged nor part of an error message.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace stagecast::notify {

enum class SmtpTls { kStartTls, kImplicit, kNone };

// "starttls" | "implicit" | "none".
std::optional<SmtpTls> parse_smtp_tls(std::string_view s);

struct SmtpOptions {
  std::string url;  // smtp://host:port (starttls, none) or smtps://host:port (implicit)
  SmtpTls tls = SmtpTls::kStartTls;
  std::string username;  // AUTH when not empty
  std::string password;
  std::string ca_file;  // PEM; empty: the system's trust store
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{30000};
};

// Error codes of send():
inline constexpr const char* kSmtpTransient = "smtp_transient";  // retry: no connection,
                                                                 // timeout, 4xx, TLS failure
inline constexpr const char* kSmtpPermanent = "smtp_permanent";  // do not retry: 5xx

class SmtpSender {
 public:
  // Errors: invalid_config (URL scheme and tls disagree, empty URL, credentials over `none` to a
  // host other than loopback).
  static Result<std::unique_ptr<SmtpSender>> create(SmtpOptions options);
  ~SmtpSender();
  SmtpSender(const SmtpSender&) = delete;
  SmtpSender& operator=(const SmtpSender&) = delete;

  // `message` is the whole RFC 5322 text (email_message.h). Thread-compatible: one caller at a
  // time (one outbox worker per sender). The connection (TLS and AUTH done) stays open for the
  // next mail: libcurl's connection cache of this sender's handle.
  Result<void> send(const std::string& from, const std::string& to, const std::string& message);

 private:
  explicit SmtpSender(SmtpOptions options);
  SmtpOptions options_;
  void* curl_ = nullptr;  // CURL*, kept for its connection cache
};

}  // namespace stagecast::notify
