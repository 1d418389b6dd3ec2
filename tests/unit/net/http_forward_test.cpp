// forward_get (the HLS proxy between nodes): a real TCP peer on loopback answers as a node would,
// or not at all, or with garbage; parse_origin takes only what a node announces.

#include "net/http_forward.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <optional>
#include <thread>

namespace stagecast::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// A one-connection peer: reads the request head, then writes `reply` (nothing when nullopt:
// the connection stays open, silent) and closes.
class Peer {
 public:
  explicit Peer(std::optional<std::string> reply)
      : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this, reply = std::move(reply)] {
      boost::system::error_code ec;
      tcp::socket s(io_);
      acceptor_.accept(s, ec);
      if (ec) return;
      asio::streambuf head;
      asio::read_until(s, head, "\r\n\r\n", ec);
      request_ = std::string(asio::buffers_begin(head.data()), asio::buffers_end(head.data()));
      if (reply) {
        asio::write(s, asio::buffer(*reply), ec);
        s.shutdown(tcp::socket::shutdown_both, ec);
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(600));  // silent past the timeout
      }
    });
  }
  ~Peer() { thread_.join(); }
  Origin origin() const { return {"127.0.0.1", std::to_string(acceptor_.local_endpoint().port())}; }
  const std::string& request() const { return request_; }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::string request_;
};

Result<Response> forward(const Origin& o, ForwardOptions options = {}) {
  asio::io_context io;
  std::optional<Result<Response>> out;
  forward_get(
      io.get_executor(), o, "/hls/s1/master.m3u8?token=t&sid=x", "Probe/1.0",
      [&](Result<Response> r) { out = std::move(r); }, options);
  io.run();
  EXPECT_TRUE(out.has_value());
  return out ? std::move(*out) : Result<Response>(make_error("none", "no answer"));
}

TEST(HttpForward, RelaysStatusBodyAndThePlayersHeadersOfAChunkedResponse) {
  Peer peer(std::string(
      "HTTP/1.1 200 OK\r\ncontent-type: application/vnd.apple.mpegurl\r\n"
      "cache-control: max-age=1\r\nset-cookie: secret\r\ntransfer-encoding: chunked\r\n\r\n"
      "8\r\n#EXTM3U\n\r\n5\r\nmore\n\r\n0\r\n\r\n"));
  auto r = forward(peer.origin());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "#EXTM3U\nmore\n");
  EXPECT_EQ(r->headers["content-type"], "application/vnd.apple.mpegurl");
  EXPECT_EQ(r->headers["cache-control"], "max-age=1");
  EXPECT_EQ(r->headers.count("set-cookie"), 0u);
  // The path and query go as they came, with a Host and the viewer's User-Agent.
  EXPECT_NE(peer.request().find("GET /hls/s1/master.m3u8?token=t&sid=x HTTP/1.1\r\n"),
            std::string::npos);
  EXPECT_NE(peer.request().find("User-Agent: Probe/1.0"), std::string::npos);
  EXPECT_NE(peer.request().find("Host: 127.0.0.1:"), std::string::npos);
}

TEST(HttpForward, ANodeThatDoesNotListenIsUnreachable) {
  Origin closed;
  {
    asio::io_context io;
    tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    closed = {"127.0.0.1", std::to_string(a.local_endpoint().port())};
  }
  auto r = forward(closed);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "upstream_unreachable");
}

TEST(HttpForward, ASilentNodeTimesOut) {
  Peer peer(std::nullopt);
  ForwardOptions o;
  o.timeout = std::chrono::milliseconds(300);
  auto r = forward(peer.origin(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "upstream_timeout");
}

TEST(HttpForward, GarbageAndOversizedAnswersAreRefused) {
  {
    Peer peer(std::string("SSH-2.0-OpenSSH\r\n\r\n"));
    auto r = forward(peer.origin());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "upstream_invalid");
  }
  {
    Peer peer(std::string("HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n") +
              std::string(100000, 'x'));
    ForwardOptions o;
    o.body_limit = 1000;
    auto r = forward(peer.origin(), o);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "upstream_invalid");
  }
}

TEST(HttpForward, OriginsAreHttpHostAndPortOnly) {
  auto ok = parse_origin("http://10.0.0.7:8080/");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->host, "10.0.0.7");
  EXPECT_EQ(ok->port, "8080");
  auto v6 = parse_origin("http://[::1]:9000");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(parse_origin("http://node-b")->port, "80");
  for (const char* bad : {"https://node-b:443", "http://", "http://node-b:0", "http://node-b:99999",
                          "http://node-b:80/path", "http://user@node-b:80", "ftp://x:1",
                          "http://[::1:80", "http://node-b:8o"}) {
    EXPECT_FALSE(parse_origin(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace stagecast::net
