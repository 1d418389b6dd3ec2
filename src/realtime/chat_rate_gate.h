#pragma once
// A per-user chat rate limit shared by every node (docs/operations.md, "Multi-node"): asked
// before a message reaches its room, whose own rules (platform/chat_rules.h) still apply after.
// With one node there is no gate and the room's in-process limit is the whole story.

#include <cstdint>
#include <functional>
#include <string>

namespace stagecast::realtime {

class ChatRateGate {
 public:
  virtual ~ChatRateGate() = default;
  // Any thread, returns at once. `done` (any thread, in the order of the calls) gets 0 when the
  // message may go on, else how long to wait before a retry. When the shared state cannot be
  // asked in time the answer is 0: the room's in-process limit is the fallback.
  virtual void check(const std::string& stream_id, const std::string& user_id,
                     std::function<void(int64_t retry_after_ms)> done) = 0;
};

}  // namespace stagecast::realtime
