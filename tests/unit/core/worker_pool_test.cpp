#include "core/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace stagecast {
namespace {

TEST(WorkerPool, RunsEveryPostedTask) {
  std::atomic<int> n{0};
  {
    WorkerPool pool("test", 2);
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(pool.post([&] { ++n; }));
    pool.stop();
  }
  EXPECT_EQ(n.load(), 100);
}

TEST(WorkerPool, RefusesWorkBeyondItsQueueBound) {
  WorkerPool pool("test", 1, 2);
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::promise<void> started;
  ASSERT_TRUE(pool.post([&, gate] {
    started.set_value();
    gate.wait();
  }));
  started.get_future().wait();
  EXPECT_TRUE(pool.post([] {}));
  EXPECT_TRUE(pool.post([] {}));
  EXPECT_FALSE(pool.post([] {}));
  release.set_value();
}

}  // namespace
}  // namespace stagecast
