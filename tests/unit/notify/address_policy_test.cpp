// Which addresses a push may go to (notify/address_policy.h), and the push client refusing a
// host name that resolves to one it may not reach before any connection is made
// (web_push_client.h): "localhost" resolves through the system's resolver, on this thread.

#include "notify/address_policy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "notify/web_push_client.h"

namespace stagecast::notify {
namespace {

TEST(AddressPolicy, LiteralsInEveryFormAResolverAccepts) {
  const struct {
    const char* host;
    std::optional<AddressClass> want;
  } cases[] = {
      {"127.0.0.1", AddressClass::kLoopback},
      {"127.1", AddressClass::kLoopback},         // short form
      {"0x7f.1", AddressClass::kLoopback},        // hex part
      {"2130706433", AddressClass::kLoopback},    // one number
      {"017700000001", AddressClass::kLoopback},  // octal
      {"[::1]", AddressClass::kLoopback},
      {"10.1.2.3", AddressClass::kInternal},
      {"172.16.0.1", AddressClass::kInternal},
      {"172.31.255.255", AddressClass::kInternal},
      {"192.168.1.1", AddressClass::kInternal},
      {"169.254.169.254", AddressClass::kInternal},  // cloud metadata
      {"100.64.0.1", AddressClass::kInternal},
      {"0.0.0.0", AddressClass::kInternal},
      {"224.0.0.1", AddressClass::kInternal},
      {"255.255.255.255", AddressClass::kInternal},
      {"[::]", AddressClass::kInternal},
      {"[fd12:3456::1]", AddressClass::kInternal},  // ULA
      {"[fe80::1]", AddressClass::kInternal},
      {"[fe80::1%25eth0]", AddressClass::kInternal},  // with a zone
      {"[ff02::1]", AddressClass::kInternal},         // multicast
      {"[::ffff:10.0.0.1]", AddressClass::kInternal},
      {"[::ffff:127.0.0.1]", AddressClass::kLoopback},
      {"[::10.0.0.1]", AddressClass::kInternal},
      {"[64:ff9b::a00:1]", AddressClass::kInternal},    // NAT64 of 10.0.0.1
      {"[2002:c0a8:101::1]", AddressClass::kInternal},  // 6to4 of 192.168.1.1
      {"[zz::1]", AddressClass::kInternal},             // bracketed but not an address
      {"8.8.8.8", AddressClass::kPublic},
      {"172.32.0.1", AddressClass::kPublic},
      {"[2001:4860:4860::8888]", AddressClass::kPublic},
      {"[64:ff9b::808:808]", AddressClass::kPublic},
      {"push.example.net", std::nullopt},
      {"fcm.googleapis.com", std::nullopt},
      {"cafe.be", std::nullopt},
      {"1e100.net", std::nullopt},
  };
  for (const auto& c : cases) EXPECT_EQ(classify_literal(c.host), c.want) << c.host;
}

TEST(AddressPolicy, SocketAddresses) {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  inet_pton(AF_INET, "192.168.0.10", &v4.sin_addr);
  EXPECT_EQ(classify_address(reinterpret_cast<sockaddr*>(&v4)), AddressClass::kInternal);
  EXPECT_EQ(address_text(reinterpret_cast<sockaddr*>(&v4)), "192.168.0.10");
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "2606:4700::1111", &v6.sin6_addr);
  EXPECT_EQ(classify_address(reinterpret_cast<sockaddr*>(&v6)), AddressClass::kPublic);
  EXPECT_EQ(address_text(reinterpret_cast<sockaddr*>(&v6)), "[2606:4700::1111]");
  sockaddr unix_family{};
  unix_family.sa_family = AF_UNIX;
  EXPECT_EQ(classify_address(&unix_family), AddressClass::kInternal);
}

// A listening socket on 127.0.0.1 that counts the connections that reached it.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~Listener() { ::close(fd_); }
  int port() const { return port_; }
  int accepted() {
    int n = 0;
    for (;;) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return n;
      ::close(c);
      ++n;
    }
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

PushRequest request_to(const std::string& endpoint) {
  PushRequest r;
  r.endpoint = endpoint;
  r.authorization = "vapid t=x, k=y";
  r.ttl_seconds = 60;
  r.body = std::vector<uint8_t>(16, 0);
  return r;
}

TEST(WebPushClientAddresses, AHostNameResolvingToLoopbackIsRefusedBeforeConnecting) {
  Listener l;
  WebPushClientOptions o;
  o.connect_timeout = std::chrono::milliseconds(2000);
  o.timeout = std::chrono::milliseconds(2000);
  WebPushClient client(o);
  auto r = client.send(request_to("http://localhost:" + std::to_string(l.port()) + "/push/x"), 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, kPushAddressRefused);
  EXPECT_NE(r.error().message.find("127.0.0.1"), std::string::npos) << r.error().message;
  EXPECT_EQ(l.accepted(), 0) << "nothing may reach the refused address";
}

TEST(WebPushClientAddresses, TheTestSwitchLetsLoopbackThroughButNothingElse) {
  Listener l;
  WebPushClientOptions o;
  o.connect_timeout = std::chrono::milliseconds(500);
  o.timeout = std::chrono::milliseconds(500);
  o.allow_loopback = true;
  WebPushClient client(o);
  // The listener never answers: the request times out, but it got there.
  auto r = client.send(request_to("http://localhost:" + std::to_string(l.port()) + "/push/x"), 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, kPushUnreachable);
  EXPECT_EQ(l.accepted(), 1);
  // A private address stays refused with the switch on (a literal: no DNS needed).
  auto p = client.send(request_to("http://10.255.255.1:9/push/x"), 0);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, kPushAddressRefused);
}

}  // namespace
}  // namespace stagecast::notify
