#pragma once
// Routing of one parsed request to its handler, shared by every HTTP version the server speaks
// (HTTP/1.1 in http_server.cpp, HTTP/2 in http2_connection.h): inline handlers run on the
// connection's I/O thread, blocking ones on the worker pool, async ones answer later from any
// thread; the answer always resumes on the connection's executor. Also the one place that counts
// responses and writes the access log line (the path only: query strings may carry tokens).

#include <array>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/metrics.h"
#include "core/worker_pool.h"
#include "net/router.h"

namespace stagecast::net {

class HttpDispatcher {
 public:
  HttpDispatcher(WorkerPool& workers, const Router& router, MetricsRegistry& metrics,
                 bool access_log);

  // Must be awaited on the connection's executor (one thread); resumes there. Fills
  // request.params; never throws for a handler's failure (500). API answers carry
  // access-control-allow-origin.
  boost::asio::awaitable<Response> dispatch(Request& request) const;

  // dispatch() in two steps, for a connection loop that wants no coroutine for what is answered
  // at once (an inline handler; an async one that responds before it returns, as every HLS part
  // and playlist from memory does). dispatch_now routes the request and calls its handler when
  // that runs on this thread; true with `out` set when the answer is there. Otherwise `pending`
  // holds what dispatch_rest awaits (an async answer still to come, or a blocking handler for the
  // worker pool); dispatch_rest must be awaited on the connection's executor.
  struct Call;  // an async handler's call, answered once from any thread
  struct Pending {
    std::shared_ptr<Call> call;
    const Handler* offload = nullptr;
  };
  bool dispatch_now(Request& request, Response& out, Pending& pending) const;
  boost::asio::awaitable<Response> dispatch_rest(Request& request, Pending pending) const;

  // The piece of a streamed body at `offset` (StreamedBody::read), read on the worker pool, for a
  // coroutine on the connection's executor, where it resumes. Null when the read failed, or the
  // pool stayed full for a second.
  boost::asio::awaitable<std::shared_ptr<const std::vector<uint8_t>>> read_piece(
      std::shared_ptr<const StreamedBody> body, uint64_t offset) const;

  // One finished response: the requests counter by status class and the access log line.
  void record(const Request& request, int status, size_t body_size,
              std::chrono::milliseconds elapsed, std::string_view protocol) const;

  MetricsRegistry& metrics() const { return metrics_; }

 private:
  WorkerPool& workers_;
  const Router& router_;
  MetricsRegistry& metrics_;
  bool access_log_;
  std::array<Counter*, 6> requests_by_class_{};  // stagecast_http_requests_total by 1xx..5xx
};

}  // namespace stagecast::net
