#pragma once
// Which io_context (I/O thread) a new long-lived connection goes to: the one holding the fewest
// connections of its kind; on a tie, the first after the last one chosen, so that equal loads
// still take turns. Round robin alone places by connection history: an encoder that reconnects
// after another left can land beside a third on one thread while the other thread has none, and
// everything else that thread serves (chat, playlists) then waits behind two ingests.
//
// Not thread-safe: the owner serialises (RtmpServer: under its sessions' mutex).

#include <cstddef>
#include <vector>

namespace stagecast::net {

class ContextLoad {
 public:
  explicit ContextLoad(size_t contexts);

  // The context for the next connection (not counted until add()).
  size_t pick();
  void add(size_t context);
  void remove(size_t context);
  size_t count(size_t context) const { return counts_.at(context); }

 private:
  std::vector<size_t> counts_;
  size_t next_ = 0;  // where a tie is broken from
};

}  // namespace stagecast::net
