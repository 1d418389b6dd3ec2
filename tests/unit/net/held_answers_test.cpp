// Held requests answered together from one I/O thread (what a completed LL-HLS part does to every
// blocking reload of its rendition): the server on two I/O threads, real keep-alive connections on
// loopback spread over both, every answer given in one handler on one thread. Answers for the
// other thread's connections are gathered and posted once (http_dispatch.cpp); each connection
// still gets its own answer, whole, and serves its next request.

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/metrics.h"
#include "core/worker_pool.h"
#include "net/http_server.h"
#include "net/io_pool.h"
#include "net/router.h"

namespace stagecast::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace http = boost::beast::http;

// Reads one response from a blocking socket (Beast's parser: the framing is not the test's).
http::response<http::string_body> read_response(tcp::socket& s, boost::beast::flat_buffer& buf) {
  http::response<http::string_body> res;
  http::read(s, buf, res);
  return res;
}

TEST(HeldAnswers, AnswersGivenTogetherOnOneIoThreadReachEveryConnectionOnEitherThread) {
  constexpr int kClients = 24;
  MetricsRegistry metrics;
  IoPool io(2);
  WorkerPool workers("held-test", 1);
  Router router;

  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, Respond> held;  // client id -> its Respond
  std::vector<std::thread::id> held_on;
  router.add_async("GET", "/held/{id}", [&](const Request& r, Respond respond) {
    std::lock_guard lock(mu);
    held[r.params.at("id")] = std::move(respond);
    held_on.push_back(std::this_thread::get_id());
    cv.notify_all();
  });
  router.add(
      "GET", "/after/{id}",
      [](const Request& r) {
        Response out;
        out.body = "after " + r.params.at("id");
        return out;
      },
      Dispatch::Inline);

  HttpServerOptions options;
  options.port = 0;
  options.access_log = false;
  HttpServer server(io, workers, router, metrics, options);
  server.start();
  io.start();

  asio::io_context client_io;
  std::vector<tcp::socket> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back(client_io);
    clients.back().connect({asio::ip::make_address("127.0.0.1"), server.port()});
    const std::string request = "GET /held/" + std::to_string(i) + " HTTP/1.1\r\nHost: t\r\n\r\n";
    asio::write(clients.back(), asio::buffer(request));
  }
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10),
                            [&] { return held.size() == static_cast<size_t>(kClients); }));
    // The connections are spread over both I/O threads (round robin).
    std::sort(held_on.begin(), held_on.end());
    EXPECT_EQ(std::unique(held_on.begin(), held_on.end()) - held_on.begin(), 2);
  }

  // Every answer from one handler on the first I/O thread.
  asio::post(io.at(0), [&] {
    std::lock_guard lock(mu);
    for (auto& [id, respond] : held) {
      Response out;
      out.body = "answer " + id;
      respond(std::move(out));
    }
  });

  // An answer that never comes fails the test instead of hanging it: the sockets are shut down
  // (their reads end) if the reads are not done in time.
  std::mutex done_mu;
  std::condition_variable done_cv;
  bool done = false;
  std::thread deadline([&] {
    std::unique_lock lock(done_mu);
    if (!done_cv.wait_for(lock, std::chrono::seconds(20), [&] { return done; })) {
      ADD_FAILURE() << "answers missing after 20 s";
      for (auto& c : clients) ::shutdown(c.native_handle(), SHUT_RDWR);
    }
  });
  try {
    for (int i = 0; i < kClients; ++i) {
      boost::beast::flat_buffer buf;
      const auto first = read_response(clients[i], buf);
      EXPECT_EQ(first.result_int(), 200u);
      EXPECT_EQ(first.body(), "answer " + std::to_string(i));
      // The connection goes on: its next request is served.
      const std::string next = "GET /after/" + std::to_string(i) + " HTTP/1.1\r\nHost: t\r\n\r\n";
      asio::write(clients[i], asio::buffer(next));
      const auto second = read_response(clients[i], buf);
      EXPECT_EQ(second.result_int(), 200u);
      EXPECT_EQ(second.body(), "after " + std::to_string(i));
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
  }
  {
    std::lock_guard lock(done_mu);
    done = true;
  }
  done_cv.notify_all();
  deadline.join();
  for (auto& c : clients) c.close();
  server.stop();
  io.stop();
  workers.stop();
}

}  // namespace
}  // namespace stagecast::net
