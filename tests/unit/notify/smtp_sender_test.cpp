// Configuration the sender refuses, and failures it classifies, without a mail server: a port
// nobody listens on is a transient failure (the server may come back), never a crash.

#include "notify/smtp_sender.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace stagecast::notify {
namespace {

TEST(SmtpSender, RefusesUrlsAndTlsModesThatDisagree) {
  auto code = [](std::string url, SmtpTls tls, std::string user = "") {
    SmtpOptions o;
    o.url = std::move(url);
    o.tls = tls;
    o.username = std::move(user);
    o.password = "secret-password";
    auto s = SmtpSender::create(o);
    if (s) return std::string("ok");
    EXPECT_EQ(s.error().message.find("secret-password"), std::string::npos);
    return s.error().code;
  };
  EXPECT_EQ(code("http://mail.example", SmtpTls::kStartTls), "invalid_config");
  EXPECT_EQ(code("smtp://u:secret-password@mail.example:587", SmtpTls::kStartTls),
            "invalid_config");
  EXPECT_EQ(code("smtps://mail.example", SmtpTls::kStartTls), "invalid_config");
  EXPECT_EQ(code("smtp://mail.example", SmtpTls::kImplicit), "invalid_config");
  // A password in clear text only to a loopback relay.
  EXPECT_EQ(code("smtp://mail.example:25", SmtpTls::kNone, "u"), "invalid_config");
  EXPECT_EQ(code("smtp://127.0.0.1:25", SmtpTls::kNone, "u"), "ok");
  EXPECT_EQ(code("smtp://mail.example:587", SmtpTls::kStartTls, "u"), "ok");
  EXPECT_EQ(code("smtps://mail.example:465", SmtpTls::kImplicit, "u"), "ok");
  EXPECT_EQ(parse_smtp_tls("starttls"), SmtpTls::kStartTls);
  EXPECT_EQ(parse_smtp_tls("try"), std::nullopt);
}

TEST(SmtpSender, NoServerIsATransientFailure) {
  // A port that was free a moment ago: connection refused.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  ::close(fd);
  SmtpOptions o;
  o.url = "smtp://127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  o.tls = SmtpTls::kNone;
  o.connect_timeout = std::chrono::milliseconds(2000);
  auto sender = SmtpSender::create(o);
  ASSERT_TRUE(sender.ok());
  auto r = (*sender)->send("notify@example.com", "fan@example.com", "Subject: x\r\n\r\nhi\r\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, kSmtpTransient);
}

}  // namespace
}  // namespace stagecast::notify
