#include "realtime/in_process_room_bus.h"

#include <algorithm>

namespace stagecast::realtime {

void InProcessRoomBus::publish(const std::string& stream_id, const RoomEvent& event) {
  std::vector<std::shared_ptr<RoomSink>> sinks;
  {
    std::shared_lock lock(mu_);
    const auto it = channels_.find(stream_id);
    if (it == channels_.end()) return;
    sinks.reserve(it->second.size());
    for (const auto& weak : it->second) {
      if (auto s = weak.lock()) sinks.push_back(std::move(s));
    }
  }
  // Outside the lock: a sink may subscribe or unsubscribe while handling the event.
  for (const auto& s : sinks) s->deliver(event);
}

void InProcessRoomBus::subscribe(const std::string& stream_id, std::weak_ptr<RoomSink> sink) {
  std::unique_lock lock(mu_);
  auto& list = channels_[stream_id];
  std::erase_if(list, [](const std::weak_ptr<RoomSink>& w) { return w.expired(); });
  list.push_back(std::move(sink));
}

void InProcessRoomBus::unsubscribe(const std::string& stream_id, const RoomSink* sink) {
  std::unique_lock lock(mu_);
  const auto it = channels_.find(stream_id);
  if (it == channels_.end()) return;
  std::erase_if(it->second, [sink](const std::weak_ptr<RoomSink>& w) {
    auto s = w.lock();
    return !s || s.get() == sink;
  });
  if (it->second.empty()) channels_.erase(it);
}

}  // namespace stagecast::realtime
