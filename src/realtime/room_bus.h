#pragma once
// The seam between a room's logic and its fan-out (DESIGN.md, "bus: in-process | Redis"). A room
// publishes each event once, already serialised; every subscriber of the stream's channel (one
// room per node) applies it to its state (history, members) and writes the same bytes to its
// local sockets. In process today; a Redis implementation publishes `wire` on a channel per
// stream and rebuilds the typed fields from it on the receiving node (the wire form carries all
// of them), so that rooms never know which bus they are on.

#include <cstdint>
#include <memory>
#include <string>

#include "store/records.h"

namespace stagecast::realtime {

struct RoomEvent {
  enum class Kind {
    kChat,              // message
    kMessageDeleted,    // message_id
    kUserTimedOut,      // user_id, until_ms
    kUserBanned,        // user_id
    kUserUnbanned,      // user_id
    kModeratorAdded,    // user_id
    kModeratorRemoved,  // user_id
    kStreamChanged,     // stream (status or chat settings)
    kAccessRevoked,     // user_id: lost what admitted them (a refunded ticket); no wire
  };
  Kind kind = Kind::kChat;
  // What every member receives; serialised once for all of them.
  std::shared_ptr<const std::string> wire;
  std::shared_ptr<const store::ChatMessage> message;
  std::shared_ptr<const store::LiveStream> stream;
  std::string user_id;
  std::string message_id;
  int64_t until_ms = 0;
};

class RoomSink {
 public:
  virtual ~RoomSink() = default;
  // Any thread; returns at once (implementations post to their own executor).
  virtual void deliver(const RoomEvent& event) = 0;
};

class RoomBus {
 public:
  virtual ~RoomBus() = default;
  virtual void publish(const std::string& stream_id, const RoomEvent& event) = 0;
  // A sink is held weakly: one that is gone is skipped and forgotten.
  virtual void subscribe(const std::string& stream_id, std::weak_ptr<RoomSink> sink) = 0;
  virtual void unsubscribe(const std::string& stream_id, const RoomSink* sink) = 0;
};

}  // namespace stagecast::realtime
