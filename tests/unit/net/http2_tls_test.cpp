// The HTTP/2 entry point over TLS, as the TLS listener calls it: a real TLS handshake on loopback
// with the server's credentials (net/tls_credentials) and ALPN (RFC 7301) selecting "h2", then
// serve_http2() over the ssl stream, with the real HttpDispatcher and Router. A held async request (a blocking playlist reload) answered from
// another thread does not hold back an inline one on the same connection.

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <thread>

#include <unistd.h>

#include "core/metrics.h"
#include "core/worker_pool.h"
#include "h2_test_client.h"
#include "net/http2_connection.h"
#include "net/router.h"
#include "net/tls_credentials.h"

namespace stagecast::net {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// A throwaway self-signed P-256 certificate for "localhost".
struct SelfSigned {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  SelfSigned() {
    key = EVP_EC_gen("P-256");
    cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
  }
  ~SelfSigned() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  // As PEM files in `dir`, for TlsCredentials.
  TlsFiles write(const std::filesystem::path& dir) const {
    TlsFiles files{(dir / "cert.pem").string(), (dir / "key.pem").string()};
    FILE* c = std::fopen(files.certificate_chain.c_str(), "w");
    PEM_write_X509(c, cert);
    std::fclose(c);
    FILE* k = std::fopen(files.private_key.c_str(), "w");
    PEM_write_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(k);
    return files;
  }
};

TEST(Http2OverTls, AlpnSelectsH2AndStreamsRunConcurrently) {
  SelfSigned id;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("stagecast-h2tls-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                    "-" + std::to_string(static_cast<long>(::getpid())));
  std::filesystem::create_directories(dir);
  auto credentials = TlsCredentials::load(id.write(dir));
  ASSERT_TRUE(credentials.ok()) << credentials.error().message;
  std::shared_ptr<ssl::context> server_ctx = (*credentials)->current();

  WorkerPool workers("test-workers", 1);
  MetricsRegistry metrics;
  Router router;
  router.add(
      "GET", "/hello",
      [](const Request& r) { return Response::text(200, "hi " + std::string(r.header("host"))); },
      Dispatch::Inline);
  std::promise<Respond> held_respond;
  router.add_async("GET", "/held", [&](const Request&, Respond respond) {
    held_respond.set_value(std::move(respond));
  });
  HttpDispatcher dispatcher(workers, router, metrics, false);

  asio::io_context io;
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  const uint16_t port = acceptor.local_endpoint().port();
  bool server_saw_h2 = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
        ssl::stream<boost::beast::tcp_stream> stream(boost::beast::tcp_stream(std::move(socket)),
                                                     *server_ctx);
        set_alpn_offer(stream.native_handle(), AlpnOffer::H2AndHttp11);
        co_await stream.async_handshake(ssl::stream_base::server, asio::use_awaitable);
        server_saw_h2 = negotiated_alpn(stream.native_handle()) == "h2";
        if (!server_saw_h2) co_return;
        // Named arguments: GCC 12 destroys some temporaries in a co_await expression twice.
        Http2ServeOptions options;
        std::string remote = "peer";
        co_await serve_http2(std::move(stream), dispatcher, std::move(options), std::move(remote));
      },
      asio::detached);
  std::thread server_thread([&] { io.run(); });

  // The client: blocking TLS socket offering h2, nghttp2's client session on top.
  asio::io_context client_io;
  ssl::context client_ctx(ssl::context::tls_client);
  ssl::stream<tcp::socket> client(client_io, client_ctx);
  client.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
  const unsigned char protos[] = "\x02h2\x08http/1.1";
  SSL_set_alpn_protos(client.native_handle(), protos, sizeof(protos) - 1);
  client.handshake(ssl::stream_base::client);  // verify_none: the certificate is not the point
  const unsigned char* chosen = nullptr;
  unsigned int chosen_len = 0;
  SSL_get0_alpn_selected(client.native_handle(), &chosen, &chosen_len);
  ASSERT_EQ(std::string(reinterpret_cast<const char*>(chosen), chosen_len), "h2");

  H2Client h2;
  auto exchange_until = [&](auto done) {
    std::array<char, 16384> buf;
    for (int i = 0; i < 200 && !done(); ++i) {
      const std::string up = h2.drain();
      if (!up.empty()) asio::write(client, asio::buffer(up));
      if (done()) break;
      const size_t n = client.read_some(asio::buffer(buf));
      h2.feed(std::string(buf.data(), n));
    }
  };
  const int32_t held = h2.request("GET", "/held");
  const int32_t hello = h2.request("GET", "/hello");
  exchange_until([&] { return h2.replies[hello].closed; });
  EXPECT_EQ(h2.replies[hello].status, 200);
  EXPECT_EQ(h2.replies[hello].body, "hi example.test");
  EXPECT_FALSE(h2.replies[held].closed);  // still held, the other stream went past it

  // Answered from another thread, as the rendition store does when the part is published.
  std::thread([r = held_respond.get_future().get()] {
    r(Response::text(200, "#EXTM3U\n"));
  }).join();
  exchange_until([&] { return h2.replies[held].closed; });
  EXPECT_EQ(h2.replies[held].status, 200);
  EXPECT_EQ(h2.replies[held].body, "#EXTM3U\n");
  EXPECT_TRUE(server_saw_h2);

  boost::system::error_code ec;
  client.next_layer().close(ec);
  acceptor.close(ec);
  io.run_for(std::chrono::milliseconds(200));
  io.stop();
  server_thread.join();
  workers.stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace stagecast::net
