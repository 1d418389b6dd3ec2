#include "notify/email_message.h"

#include <openssl/evp.h>

#include <ctime>
#include <string_view>
#include <vector>

namespace stagecast::notify {
namespace {

std::string base64(std::string_view in) {
  std::vector<unsigned char> out(4 * ((in.size() + 2) / 3) + 1);
  const int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  return std::string(reinterpret_cast<const char*>(out.data()), static_cast<size_t>(n));
}

// RFC 2045 6.8: encoded lines of at most 76 characters.
std::string base64_lines(std::string_view in) {
  const std::string b = base64(in);
  std::string out;
  for (size_t i = 0; i < b.size(); i += 76) {
    out += b.substr(i, 76);
    out += "\r\n";
  }
  return out;
}

bool ascii_printable(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// RFC 2047 encoded-word ("=?UTF-8?B?...?=") for a non-ASCII display text, split into words of at
// most 75 characters (2047 section 2) on UTF-8 character boundaries.
std::string encoded_words(std::string_view s) {
  if (ascii_printable(s)) return std::string(s);
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    size_t end = std::min(s.size(), i + 45);  // 45 bytes -> 60 base64 chars + 12 of framing
    while (end < s.size() && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(s.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

std::string rfc5322_date(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

}  // namespace

std::string header_safe(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) continue;
    out += c;
  }
  return out;
}

std::string compose_email(const EmailContent& c) {
  // "=_" never occurs in base64 (RFC 4648 4: "=" is only padding, "_" not in the alphabet), so
  // the boundary cannot collide with a part.
  const std::string boundary = "=_stagecast_" + header_safe(c.message_id).substr(0, 40);
  const std::string from_name = header_safe(c.from_name);
  std::string m;
  m += "Date: " + rfc5322_date(c.date) + "\r\n";
  m += "From: " +
       (from_name.empty()
            ? "<" + header_safe(c.from) + ">"
            : encoded_words("\"" + from_name + "\"") + " <" + header_safe(c.from) + ">") +
       "\r\n";
  m += "To: <" + header_safe(c.to) + ">\r\n";
  m += "Subject: " + encoded_words(header_safe(c.subject)) + "\r\n";
  m += "Message-ID: <" + header_safe(c.message_id) + ">\r\n";
  if (!c.list_unsubscribe.empty()) {
    m += "List-Unsubscribe: <" + header_safe(c.list_unsubscribe) + ">\r\n";
    m += "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n";
  }
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n";
  m += "\r\n";
  m += "--" + boundary + "\r\n";
  m += "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  m += base64_lines(c.text);
  m += "--" + boundary + "\r\n";
  m += "Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  m += base64_lines(c.html);
  m += "--" + boundary + "--\r\n";
  return m;
}

}  // namespace stagecast::notify
