#include "net/http_dispatch.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "net/io_pool.h"

namespace stagecast::net {

namespace asio = boost::asio;

namespace {

Response guarded_call(const Handler& handler, const Request& request) {
  try {
    return handler(request);
  } catch (const std::exception& e) {
    spdlog::error("http {} {}: handler threw: {}", request.method, request.path, e.what());
    return Response::error(500, "internal_error", "internal server error");
  }
}

// Runs blocking work on a pool and resumes the calling coroutine on its own executor (the
// connection's I/O thread) with the result; nullopt when the pool's queue refused the work.
template <class T, class Fn>
asio::awaitable<std::optional<T>> on_pool(WorkerPool& pool, Fn work) {
  auto ex = co_await asio::this_coro::executor;
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(std::optional<T>)>(
      [&pool, &work, ex](auto completion) {
        auto done = std::make_shared<decltype(completion)>(std::move(completion));
        const bool posted = pool.post([done, work = std::move(work), ex]() mutable {
          std::optional<T> r(work());
          asio::post(ex, [done, r = std::move(r)]() mutable { (*done)(std::move(r)); });
        });
        if (!posted) asio::post(ex, [done] { (*done)(std::nullopt); });
      },
      asio::use_awaitable);
}

// Runs a blocking handler on the worker pool; 503 when its queue is full.
asio::awaitable<Response> offload(WorkerPool& pool, const Handler& handler,
                                  const Request& request) {
  // Named, not a temporary in the co_await expression: GCC 12 destroys those twice.
  auto call = [&handler, &request] { return guarded_call(handler, request); };
  auto r = co_await on_pool<Response>(pool, std::move(call));
  if (!r) co_return Response::error(503, "overloaded", "the server is busy, try again");
  co_return std::move(*r);
}

}  // namespace

// One call of an async handler: its answer, given once, either while the handler runs (then the
// caller takes it without suspending: no post, no resumption) or later from any thread (then it
// is posted to the connection's executor, where the coroutine waits for it).
struct HttpDispatcher::Call {
  std::mutex mu;
  asio::any_io_executor ex;  // the connection's, set with `completion` (none for an early answer)
  bool answered = false;                     // Respond was called (any later call is ignored)
  std::optional<Response> early;             // answered before the coroutine waited
  std::function<void(Response)> completion;  // set once the coroutine waits
};

namespace {

using Call = HttpDispatcher::Call;

// Answers given on an I/O thread for connections of other I/O threads, gathered until the
// handler that gave them returns: a part that completes answers every held reload of its
// rendition at once, and each other thread then takes one post (one lock of its queue, at most
// one wake-up) for all of its connections instead of one per connection.
struct Deferred {
  asio::any_io_executor ex;
  std::function<void(Response)> completion;
  Response r;
};
using DeferredAnswers = std::vector<Deferred>;
// This thread's gathering, owned by the handler posted to run once the current one returns (so a
// context shut down before it runs frees it with its other handlers).
thread_local DeferredAnswers* t_deferred = nullptr;

void flush_deferred(DeferredAnswers items) {
  // Grouped by executor (as many as there are I/O threads), in the order given.
  while (!items.empty()) {
    const asio::any_io_executor ex = items.front().ex;
    DeferredAnswers group;
    DeferredAnswers rest;
    for (auto& d : items) (d.ex == ex ? group : rest).push_back(std::move(d));
    items = std::move(rest);
    asio::post(ex, [group = std::move(group)]() mutable {
      for (auto& d : group) d.completion(std::move(d.r));
    });
  }
}

void defer_answer(asio::io_context& here, Deferred d) {
  if (t_deferred == nullptr) {
    auto batch = std::make_shared<DeferredAnswers>();
    t_deferred = batch.get();
    asio::post(here, [batch] {
      t_deferred = nullptr;
      flush_deferred(std::move(*batch));
    });
  }
  t_deferred->push_back(std::move(d));
}

bool runs_here(const asio::any_io_executor& ex, asio::io_context* here) {
  return &asio::query(ex, asio::execution::context) == here;
}

// The one answer of a call: kept for the coroutine if it does not wait yet, else posted to it.
void answer(const std::shared_ptr<Call>& call, Response r) {
  std::unique_lock lock(call->mu);
  if (call->answered) return;
  call->answered = true;
  if (!call->completion) {
    call->early = std::move(r);
    return;
  }
  auto completion = std::move(call->completion);
  const asio::any_io_executor ex = std::move(call->ex);
  lock.unlock();
  if (asio::io_context* here = IoPool::current(); here != nullptr && !runs_here(ex, here)) {
    defer_answer(*here, {ex, std::move(completion), std::move(r)});
    return;
  }
  asio::post(ex, [completion = std::move(completion), r = std::move(r)]() mutable {
    completion(std::move(r));
  });
}

// Calls an async handler; its Respond may be invoked once, from any thread, at any later time.
std::shared_ptr<Call> start_async(const AsyncHandler& handler, const Request& request) {
  auto call = std::make_shared<Call>();
  try {
    // Moved in: the handler's copies are the only ones (no copy for a handler that answers at
    // once).
    handler(request, Respond([call](Response r) { answer(call, std::move(r)); }));
  } catch (const std::exception& e) {
    spdlog::error("http {} {}: async handler threw: {}", request.method, request.path, e.what());
    answer(call, Response::error(500, "internal_error", "internal server error"));
  }
  return call;
}

// The answer of a call that start_async did not have at once.
asio::awaitable<Response> await_answer(std::shared_ptr<Call> call) {
  auto ex = co_await asio::this_coro::executor;
  // Waiting: only the handler's copies of Respond hold the call from here (the completion it
  // will hold owns this coroutine; the coroutine must not own it back).
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(Response)>(
      [&call, &ex](auto completion) {
        const std::shared_ptr<Call> held = std::move(call);
        auto done = std::make_shared<decltype(completion)>(std::move(completion));
        std::unique_lock lock(held->mu);
        if (held->early) {
          // Answered from another thread since the caller looked.
          Response r = std::move(*held->early);
          held->early.reset();
          lock.unlock();
          asio::post(ex, [done, r = std::move(r)]() mutable { (*done)(std::move(r)); });
          return;
        }
        held->ex = ex;
        held->completion = [done](Response r) { (*done)(std::move(r)); };
      },
      asio::use_awaitable);
}

// The CORS preflight of a path without its own: the API is token-authenticated (no cookies), so
// any origin may call it.
Response api_preflight() {
  Response r;
  r.status = 204;
  r.headers["access-control-allow-origin"] = "*";
  r.headers["access-control-allow-methods"] = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
  r.headers["access-control-allow-headers"] = "authorization, content-type, idempotency-key";
  r.headers["access-control-max-age"] = "600";
  return r;
}

// API answers carry access-control-allow-origin.
void finish(const Request& request, Response& response) {
  if (request.path.starts_with("/api/") && !response.has_header("access-control-allow-origin")) {
    response.headers["access-control-allow-origin"] = "*";
  }
}

std::string status_class(int status) {
  return std::to_string(status / 100) + "xx";
}

}  // namespace

HttpDispatcher::HttpDispatcher(WorkerPool& workers, const Router& router, MetricsRegistry& metrics,
                               bool access_log)
    : workers_(workers), router_(router), metrics_(metrics), access_log_(access_log) {
  // Looked up once: the registry's lookup (a lock, a map, three strings) cost every request.
  for (int c = 1; c <= 5; ++c) {
    requests_by_class_[static_cast<size_t>(c)] =
        &metrics.counter("stagecast_http_requests_total", "HTTP requests by status class",
                         "code=\"" + status_class(c * 100) + "\"");
  }
}

asio::awaitable<Response> HttpDispatcher::dispatch(Request& request) const {
  Response response;
  Pending pending;
  if (dispatch_now(request, response, pending)) co_return response;
  co_return co_await dispatch_rest(request, std::move(pending));
}

bool HttpDispatcher::dispatch_now(Request& request, Response& out, Pending& pending) const {
  if (request.method == "OPTIONS") {
    // A path with its own preflight (WHIP: Accept-Post, If-Match) answers it; the rest get the
    // API's.
    const Router::Match own = router_.match(request);
    out = own.handler && own.dispatch == Dispatch::Inline ? guarded_call(*own.handler, request)
                                                          : api_preflight();
    finish(request, out);
    return true;
  }
  const Router::Match m = router_.match(request);
  if (m.async_handler) {
    auto call = start_async(*m.async_handler, request);
    {
      std::lock_guard lock(call->mu);
      if (call->early) {
        out = std::move(*call->early);
        call->early.reset();
        finish(request, out);
        return true;
      }
    }
    pending.call = std::move(call);
    return false;
  }
  if (m.handler) {
    if (m.dispatch == Dispatch::Inline) {
      out = guarded_call(*m.handler, request);
      finish(request, out);
      return true;
    }
    pending.offload = m.handler;
    return false;
  }
  out = m.path_matched_other_method
            ? Response::error(405, "method_not_allowed", "method not allowed on this path")
            : Response::error(404, "not_found", "no such resource");
  finish(request, out);
  return true;
}

asio::awaitable<Response> HttpDispatcher::dispatch_rest(Request& request, Pending pending) const {
  Response response;
  if (pending.call) {
    response = co_await await_answer(std::move(pending.call));
  } else {
    response = co_await offload(workers_, *pending.offload, request);
  }
  finish(request, response);
  co_return response;
}

asio::awaitable<std::shared_ptr<const std::vector<uint8_t>>> HttpDispatcher::read_piece(
    std::shared_ptr<const StreamedBody> body, uint64_t offset) const {
  using Piece = std::shared_ptr<const std::vector<uint8_t>>;
  auto ex = co_await asio::this_coro::executor;
  const size_t max =
      static_cast<size_t>(std::min<uint64_t>(body->piece_bytes, body->size - offset));
  WorkerPool& pool = body->pool != nullptr ? *body->pool : workers_;
  for (int attempt = 0; attempt < 20; ++attempt) {
    // Named, not a temporary in the co_await expression: GCC 12 destroys those twice.
    auto read = [body, offset, max]() -> Piece {
      try {
        return body->read(offset, max);
      } catch (const std::exception& e) {
        spdlog::error("http: reading a streamed body threw: {}", e.what());
        return nullptr;
      }
    };
    auto piece = co_await on_pool<Piece>(pool, std::move(read));
    if (piece) {
      // A piece must be what was asked: a short read would shift every byte after it.
      if (*piece && (*piece)->size() != max) co_return nullptr;
      co_return std::move(*piece);
    }
    // The pool's queue is full: try again shortly.
    asio::steady_timer wait(ex, std::chrono::milliseconds(50));
    co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return nullptr;
}

void HttpDispatcher::record(const Request& request, int status, size_t body_size,
                            std::chrono::milliseconds elapsed, std::string_view protocol) const {
  const int c = status / 100;
  if (c >= 1 && c <= 5) {
    requests_by_class_[static_cast<size_t>(c)]->inc();
  } else {
    metrics_
        .counter("stagecast_http_requests_total", "HTTP requests by status class",
                 "code=\"" + status_class(status) + "\"")
        .inc();
  }
  if (!access_log_) return;
  // The path only: query strings may carry playback tokens.
  const auto level = request.path.starts_with("/hls/") ? spdlog::level::debug : spdlog::level::info;
  if (protocol.empty()) {
    spdlog::log(level, "http {} {} {} {}B {}ms {}", request.method, request.path, status, body_size,
                elapsed.count(), request.remote_address);
  } else {
    spdlog::log(level, "http {} {} {} {}B {}ms {} {}", request.method, request.path, status,
                body_size, elapsed.count(), request.remote_address, protocol);
  }
}

}  // namespace stagecast::net
