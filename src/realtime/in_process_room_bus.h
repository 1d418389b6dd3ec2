#pragma once
// The single-node RoomBus: a map from stream id to its subscribers, delivering synchronously on
// the publisher's thread (a room publishing on its own thread applies its own event inline, with
// no extra hop).

#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "realtime/room_bus.h"

namespace stagecast::realtime {

class InProcessRoomBus final : public RoomBus {
 public:
  void publish(const std::string& stream_id, const RoomEvent& event) override;
  void subscribe(const std::string& stream_id, std::weak_ptr<RoomSink> sink) override;
  void unsubscribe(const std::string& stream_id, const RoomSink* sink) override;

 private:
  std::shared_mutex mu_;
  std::map<std::string, std::vector<std::weak_ptr<RoomSink>>, std::less<>> channels_;
};

}  // namespace stagecast::realtime
