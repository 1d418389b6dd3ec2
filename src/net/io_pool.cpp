#include "net/io_pool.h"

#include <spdlog/spdlog.h>

namespace stagecast::net {

namespace {
thread_local boost::asio::io_context* t_current = nullptr;
}  // namespace

boost::asio::io_context* IoPool::current() {
  return t_current;
}

IoPool::IoPool(size_t threads) {
  if (threads == 0) threads = 1;
  for (size_t i = 0; i < threads; ++i) {
    contexts_.push_back(std::make_unique<Context>(1));
    guards_.push_back(boost::asio::make_work_guard(*contexts_.back()));
  }
}

IoPool::~IoPool() {
  stop();
  for (auto& ctx : contexts_) ctx->shut_down_services();
}

void IoPool::start() {
  for (auto& ctx : contexts_) {
    threads_.emplace_back([c = ctx.get()] {
      t_current = c;
      for (;;) {
        try {
          c->run();
          return;
        } catch (const std::exception& e) {
          // A handler that throws is a bug; keep serving the other connections.
          spdlog::error("io thread: unhandled exception: {}", e.what());
        }
      }
    });
  }
}

void IoPool::stop() {
  for (auto& g : guards_) g.reset();
  for (auto& ctx : contexts_) ctx->stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

boost::asio::io_context& IoPool::next() {
  return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

std::vector<boost::asio::io_context*> IoPool::contexts() const {
  std::vector<boost::asio::io_context*> out;
  for (const auto& c : contexts_) out.push_back(c.get());
  return out;
}

}  // namespace stagecast::net
