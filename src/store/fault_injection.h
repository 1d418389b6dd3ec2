#pragma once
// A switch that makes every repository call fail with db_unavailable, for tests that show the
// rest of the system (chat, media) keeps working while the database is down. Off by default;
// one per Store, so no global state.

#include <atomic>

namespace stagecast::store {

class FaultInjection {
 public:
  void set_unavailable(bool on) { unavailable_.store(on, std::memory_order_relaxed); }
  bool unavailable() const { return unavailable_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> unavailable_{false};
};

}  // namespace stagecast::store
