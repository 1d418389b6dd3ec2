// RFC 5322 / MIME composition: headers cannot be injected, non-ASCII subjects are RFC 2047
// encoded words, bodies are base64 in lines of at most 76 characters.

#include "notify/email_message.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <sstream>
#include <vector>

namespace stagecast::notify {
namespace {

EmailContent sample() {
  EmailContent c;
  c.from = "notify@example.com";
  c.from_name = "Stagecast";
  c.to = "fan@example.com";
  c.subject = "Ann is live: late set";
  c.text = "Watch now: https://live.example/watch/s1\r\n";
  c.html = "<p>" + std::string(300, 'x') + "</p>";
  c.message_id = "stream_live.s1.u1.EMAIL@example.com";
  c.date = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  return c;
}

// The value of header `name` (its first line).
std::string header(const std::string& message, const std::string& name) {
  const std::string m = "\r\n" + message;
  const size_t at = m.find("\r\n" + name + ": ");
  if (at == std::string::npos) return "";
  const size_t start = at + name.size() + 4;
  return m.substr(start, m.find("\r\n", start) - start);
}

TEST(EmailMessage, HeadersAndAMultipartAlternativeBody) {
  const std::string m = compose_email(sample());
  EXPECT_EQ(header(m, "Date"), "Tue, 14 Nov 2023 22:13:20 +0000");
  EXPECT_EQ(header(m, "From"), "\"Stagecast\" <notify@example.com>");
  EXPECT_EQ(header(m, "To"), "<fan@example.com>");
  EXPECT_EQ(header(m, "Subject"), "Ann is live: late set");
  EXPECT_EQ(header(m, "Message-ID"), "<stream_live.s1.u1.EMAIL@example.com>");
  EXPECT_NE(m.find("Content-Type: multipart/alternative; boundary=\"=_stagecast_"),
            std::string::npos);
  EXPECT_NE(m.find("Content-Type: text/plain; charset=UTF-8"), std::string::npos);
  EXPECT_NE(m.find("Content-Type: text/html; charset=UTF-8"), std::string::npos);
  // Every line ends with CRLF and none is longer than 76 + 2 in the body.
  std::istringstream lines(m.substr(m.find("\r\n\r\n") + 4));
  std::string line;
  while (std::getline(lines, line)) {
    ASSERT_FALSE(line.empty());
    EXPECT_EQ(line.back(), '\r');
    EXPECT_LE(line.size(), 77u);
  }
}

TEST(EmailMessage, OneClickUnsubscribeHeadersOnlyWhenALinkIsGiven) {
  EXPECT_EQ(compose_email(sample()).find("List-Unsubscribe"), std::string::npos);
  EmailContent c = sample();
  c.list_unsubscribe = "https://live.example/unsubscribe?token=dXNlcg.abc\r\nBcc: x@example.com";
  const std::string m = compose_email(c);
  // RFC 8058 section 3.1: both headers; the URL in angle brackets (RFC 2369), no injection.
  EXPECT_EQ(header(m, "List-Unsubscribe"),
            "<https://live.example/unsubscribe?token=dXNlcg.abcBcc: x@example.com>");
  EXPECT_EQ(header(m, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
  EXPECT_EQ(m.find("\r\nBcc:"), std::string::npos);
}

TEST(EmailMessage, AHeaderValueCannotInjectHeaders) {
  EmailContent c = sample();
  c.subject = "Live\r\nBcc: everyone@example.com";
  c.to = "fan@example.com\r\nBcc: x@example.com";
  const std::string m = compose_email(c);
  EXPECT_EQ(m.find("\r\nBcc:"), std::string::npos);
  EXPECT_EQ(header(m, "Subject"), "LiveBcc: everyone@example.com");
}

TEST(EmailMessage, NonAsciiSubjectIsEncodedWordsOnCharacterBoundaries) {
  EmailContent c = sample();
  c.subject = "Zoë est en direct : « Nuit blanche » — 今夜のライブ配信が始まりました";
  const std::string m = compose_email(c);
  const std::string subject = header(m, "Subject");
  EXPECT_EQ(subject.rfind("=?UTF-8?B?", 0), 0u);
  // Decode every word and glue them back: the original text, no character split.
  std::string decoded;
  size_t at = 0;
  const std::string all =
      m.substr(m.find("Subject: ") + 9, m.find("\r\nMessage-ID") - m.find("Subject: ") - 9);
  while ((at = all.find("=?UTF-8?B?", at)) != std::string::npos) {
    const size_t start = at + 10, end = all.find("?=", start);
    const std::string word = all.substr(start, end - start);
    EXPECT_LE(end + 2 - at, 75u);
    std::vector<unsigned char> out(word.size());
    int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(word.data()),
                            static_cast<int>(word.size()));
    ASSERT_GE(n, 0);
    decoded.append(reinterpret_cast<const char*>(out.data()), static_cast<size_t>(n));
    at = end + 2;
  }
  // EVP_DecodeBlock keeps padding bytes as zeros: drop them before comparing.
  decoded.erase(std::remove(decoded.begin(), decoded.end(), '\0'), decoded.end());
  EXPECT_EQ(decoded, c.subject);
}

}  // namespace
}  // namespace stagecast::notify
