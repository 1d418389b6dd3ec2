#pragma once
// The RoomBus of a node among several (docs/operations.md, "Multi-node"), after the pattern of
// the Socket.IO Redis adapter and Centrifugo's Redis broker: one Pub/Sub channel per stream.
// - publish: the event is applied by this node's rooms at once (in process, no round trip) and
//   published once on the stream's channel, tagged with this node's id (encode_room_event).
// - subscribe: a node subscribes to a stream's channel when its first local room sink for the
//   stream appears and unsubscribes when the last goes, so it hears only rooms it has members in.
// - receive: events from other nodes are rebuilt and applied by the local rooms; the echo of this
//   node's own publications is dropped by node id, so every member is served once.
// Order per room: one node's events leave on one connection, in order, and Redis delivers a
// channel's messages in the order it received them.
// Redis down: local delivery goes on (the in-process part never waits), publications are dropped
// and counted, the subscriber resubscribes on reconnect; degraded() says so meanwhile.

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "bus/redis/redis_client.h"
#include "bus/redis/redis_subscriber.h"
#include "core/metrics.h"
#include "realtime/in_process_room_bus.h"
#include "realtime/room_bus.h"

namespace stagecast::realtime {

std::string room_channel(std::string_view stream_id);

class RedisRoomBus final : public RoomBus {
 public:
  RedisRoomBus(std::string node_id, const bus::redis::RedisClientOptions& options,
               MetricsRegistry& metrics);
  ~RedisRoomBus() override;

  void start();
  void stop();
  // Either connection to Redis is down: rooms are served on this node only.
  bool degraded() const { return !publisher_->connected() || !subscriber_->connected(); }

  void publish(const std::string& stream_id, const RoomEvent& event) override;
  void subscribe(const std::string& stream_id, std::weak_ptr<RoomSink> sink) override;
  void unsubscribe(const std::string& stream_id, const RoomSink* sink) override;

 private:
  void received(std::string_view channel, std::string_view payload);

  const std::string node_id_;
  InProcessRoomBus local_;
  std::unique_ptr<bus::redis::RedisClient> publisher_;
  std::unique_ptr<bus::redis::RedisSubscriber> subscriber_;
  std::mutex mu_;
  std::map<std::string, int, std::less<>> sinks_;  // local sinks per stream
  Counter& published_;
  Counter& applied_;
  Counter& echoes_;
  Counter& invalid_;
};

}  // namespace stagecast::realtime
