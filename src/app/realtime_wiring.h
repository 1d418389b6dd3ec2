#pragma once
// The realtime side of the server (docs/realtime.md): chat and moderation services over the
// store, the gateway behind /ws with its rooms and in-process bus, and the REST routes beside
// them. The gateway hears stream status and settings changes from StreamService and moderation
// actions from ModerationService (whichever path, WebSocket or REST, made them).

#include <memory>

#include "api/api_context.h"
#include "app/config.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "core/worker_pool.h"
#include "net/http_server.h"
#include "net/io_pool.h"
#include "net/router.h"
#include "platform/chat_service.h"
#include "platform/moderation_service.h"
#include "platform/platform_services.h"
#include "realtime/gateway.h"
#include "realtime/in_process_room_bus.h"
#include "realtime/redis_chat_rate_gate.h"
#include "realtime/redis_room_bus.h"
#include "store/store.h"

namespace stagecast::app {

struct RealtimeWiring {
  std::unique_ptr<platform::ChatService> chat;
  std::unique_ptr<platform::ModerationService> moderation;
  // In process, or Redis (bus.url) with redis_bus pointing at it.
  std::unique_ptr<realtime::RoomBus> bus;
  realtime::RedisRoomBus* redis_bus = nullptr;
  std::unique_ptr<realtime::RedisChatRateGate> chat_gate;  // with the Redis bus
  std::unique_ptr<realtime::Gateway> gateway;

  // Closes every WebSocket (1001) and writes the queued chat; before the I/O threads stop. The
  // Redis bus stays up for what the rest of the shutdown publishes (streams ended): stop_bus().
  void stop() { gateway->stop(); }
  void stop_bus() {
    if (redis_bus) redis_bus->stop();
    if (chat_gate) chat_gate->stop();
  }
};

realtime::GatewayOptions gateway_options(const Config& config);
// The Redis connection settings from bus.url (throws on a malformed URL: a configuration error).
bus::redis::RedisClientOptions redis_options(const Config& config);

// Call before the I/O threads start (routes are added to `router`).
std::unique_ptr<RealtimeWiring> wire_realtime(const Config& config, net::IoPool& io,
                                              WorkerPool& workers, net::Router& router,
                                              net::HttpServer& http, api::ApiContext& api,
                                              platform::PlatformServices& platform,
                                              store::Store& store, MetricsRegistry& metrics,
                                              const Clock& clock);

}  // namespace stagecast::app
