#include "realtime/redis_room_bus.h"

#include <spdlog/spdlog.h>

#include "realtime/room_event_codec.h"

namespace stagecast::realtime {

namespace {
constexpr std::string_view kChannelPrefix = "stagecast:room:";
}

std::string room_channel(std::string_view stream_id) {
  return std::string(kChannelPrefix) + std::string(stream_id);
}

RedisRoomBus::RedisRoomBus(std::string node_id, const bus::redis::RedisClientOptions& options,
                           MetricsRegistry& metrics)
    : node_id_(std::move(node_id)),
      published_(metrics.counter("stagecast_bus_room_events_published_total",
                                 "Room events published to the other nodes")),
      applied_(metrics.counter("stagecast_bus_room_events_applied_total",
                               "Room events from other nodes applied here")),
      echoes_(metrics.counter("stagecast_bus_room_events_echo_total",
                              "This node's own room events heard back from Redis and dropped")),
      invalid_(metrics.counter("stagecast_bus_room_events_invalid_total",
                               "Messages on a room channel that were not a valid room event")) {
  auto pub = options;
  pub.name = "publish";
  publisher_ = std::make_unique<bus::redis::RedisClient>(pub, metrics);
  auto sub = options;
  sub.name = "subscribe";
  subscriber_ = std::make_unique<bus::redis::RedisSubscriber>(
      sub, metrics,
      [this](std::string_view channel, std::string_view payload) { received(channel, payload); });
}

RedisRoomBus::~RedisRoomBus() {
  stop();
}

void RedisRoomBus::start() {
  publisher_->start();
  subscriber_->start();
}

void RedisRoomBus::stop() {
  subscriber_->stop();
  publisher_->stop();
}

void RedisRoomBus::publish(const std::string& stream_id, const RoomEvent& event) {
  local_.publish(stream_id, event);
  if (publisher_->send(
          {"PUBLISH", room_channel(stream_id), encode_room_event(node_id_, stream_id, event)}))
    published_.inc();
}

void RedisRoomBus::subscribe(const std::string& stream_id, std::weak_ptr<RoomSink> sink) {
  local_.subscribe(stream_id, std::move(sink));
  std::lock_guard lock(mu_);
  if (sinks_[stream_id]++ == 0) subscriber_->subscribe(room_channel(stream_id));
}

void RedisRoomBus::unsubscribe(const std::string& stream_id, const RoomSink* sink) {
  local_.unsubscribe(stream_id, sink);
  std::lock_guard lock(mu_);
  const auto it = sinks_.find(stream_id);
  if (it == sinks_.end()) return;
  if (--it->second <= 0) {
    sinks_.erase(it);
    subscriber_->unsubscribe(room_channel(stream_id));
  }
}

// On the subscriber's thread, in the order Redis delivers; the rooms post to their own threads.
void RedisRoomBus::received(std::string_view channel, std::string_view payload) {
  auto decoded = decode_room_event(payload);
  if (!decoded || room_channel(decoded->stream_id) != channel) {
    invalid_.inc();
    // Logged at 1, 2, 4, 8, ... so that a flood of them cannot flood the log.
    const uint64_t n = invalid_.value();
    if ((n & (n - 1)) == 0) {
      spdlog::warn("bus: dropped a message on {} ({} so far): {}", channel, n,
                   decoded ? "its stream is not the channel's" : decoded.error().message);
    }
    return;
  }
  if (decoded->node == node_id_) {
    echoes_.inc();  // applied locally when it was published
    return;
  }
  applied_.inc();
  local_.publish(decoded->stream_id, decoded->event);
}

}  // namespace stagecast::realtime
