#include "notify/smtp_sender.h"

#include <curl/curl.h>

#include <cstring>
#include <string_view>

namespace stagecast::notify {
namespace {

struct Upload {
  std::string_view data;
  size_t offset = 0;
};

size_t read_message(char* buffer, size_t size, size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, up->data.size() - up->offset);
  std::memcpy(buffer, up->data.data() + up->offset, n);
  up->offset += n;
  return n;
}

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

bool loopback_url(std::string_view url) {
  for (std::string_view host : {"://127.0.0.1", "://localhost", "://[::1]"}) {
    const size_t at = url.find(host);
    if (at == std::string_view::npos) continue;
    const size_t end = at + host.size();
    if (end == url.size() || url[end] == ':' || url[end] == '/') return true;
  }
  return false;
}

}  // namespace

std::optional<SmtpTls> parse_smtp_tls(std::string_view s) {
  if (s == "starttls") return SmtpTls::kStartTls;
  if (s == "implicit") return SmtpTls::kImplicit;
  if (s == "none") return SmtpTls::kNone;
  return std::nullopt;
}

Result<std::unique_ptr<SmtpSender>> SmtpSender::create(SmtpOptions options) {
  const bool smtps = options.url.starts_with("smtps://");
  if (!smtps && !options.url.starts_with("smtp://")) {
    return make_error("invalid_config", "notify.smtp_url must be an smtp:// or smtps:// URL");
  }
  // Credentials in the URL would end up wherever the URL is shown (logs, --print-config): they
  // belong in the secret keys.
  const size_t start = options.url.find("://") + 3;
  const std::string_view authority =
      std::string_view(options.url).substr(start, options.url.find('/', start) - start);
  if (authority.find('@') != std::string_view::npos) {
    return make_error("invalid_config",
                      "notify.smtp_url must not carry credentials: use notify.smtp_username and "
                      "notify.smtp_password");
  }
  if (smtps != (options.tls == SmtpTls::kImplicit)) {
    return make_error("invalid_config",
                      "notify.smtp_tls = implicit goes with smtps:// URLs, starttls and none "
                      "with smtp://");
  }
  if (options.tls == SmtpTls::kNone && !options.username.empty() && !loopback_url(options.url)) {
    return make_error("invalid_config",
                      "notify.smtp_tls = none would send the SMTP password in clear to a host "
                      "other than loopback");
  }
  // Reference-counted and thread-safe since libcurl 7.84; paired with the destructor.
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    return make_error("invalid_config", "libcurl could not be initialised");
  }
  return std::unique_ptr<SmtpSender>(new SmtpSender(std::move(options)));
}

SmtpSender::SmtpSender(SmtpOptions options)
    : options_(std::move(options)), curl_(curl_easy_init()) {}

SmtpSender::~SmtpSender() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
  curl_global_cleanup();
}

Result<void> SmtpSender::send(const std::string& from, const std::string& to,
                              const std::string& message) {
  CURL* c = static_cast<CURL*>(curl_);
  if (!c) return make_error(kSmtpTransient, "libcurl handle unavailable");
  // Reset keeps the connection cache: the next mail goes over the open connection.
  curl_easy_reset(c);
  std::unique_ptr<curl_slist, SlistDeleter> rcpt(curl_slist_append(nullptr, to.c_str()));
  const std::string mail_from = "<" + from + ">";
  Upload up{message};

  curl_easy_setopt(c, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  // RFC 3207 STARTTLS required, never CURLUSESSL_TRY (which falls back to clear text).
  curl_easy_setopt(c, CURLOPT_USE_SSL,
                   options_.tls == SmtpTls::kNone ? static_cast<long>(CURLUSESSL_NONE)
                                                  : static_cast<long>(CURLUSESSL_ALL));
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (!options_.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, options_.password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_message);
  curl_easy_setopt(c, CURLOPT_READDATA, &up);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));

  const CURLcode rc = curl_easy_perform(c);
  long reply = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
  if (rc == CURLE_OK) return {};
  // RFC 5321 4.2.1: 4yz is a transient negative completion, 5yz permanent. Without a reply
  // (no connection, timeout, TLS) the server may come back: transient.
  const std::string what = std::string(curl_easy_strerror(rc)) +
                           (reply ? " (SMTP " + std::to_string(reply) + ")" : std::string());
  if (reply >= 500 && reply < 600 && rc != CURLE_LOGIN_DENIED) {
    return make_error(kSmtpPermanent, what);
  }
  return make_error(kSmtpTransient, what);
}

}  // namespace stagecast::notify
