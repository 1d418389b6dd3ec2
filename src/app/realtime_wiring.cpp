#include "app/realtime_wiring.h"

#include "api/chat_routes.h"

namespace stagecast::app {

realtime::GatewayOptions gateway_options(const Config& c) {
  realtime::GatewayOptions o;
  o.room.max_viewers = c.streams_max_viewers;
  o.room.viewer_count_interval = std::chrono::milliseconds(c.realtime_viewer_count_interval_ms);
  o.room.batch_events = c.realtime_batch_events;
  o.room.analytics_interval = std::chrono::milliseconds(c.analytics_push_ms);
  o.room.ack_when_stored = c.realtime_chat_ack == "stored";
  o.chat.max_chars = static_cast<size_t>(c.chat_max_message_chars);
  o.chat.rate.burst = static_cast<int>(c.chat_rate_limit_messages);
  o.chat.rate.window_ms = c.chat_rate_limit_window_seconds * 1000;
  o.chat.blocked_words = c.chat_blocked_words;
  o.writes.max_tasks = static_cast<size_t>(c.realtime_write_queue_limit);
  o.auth_timeout = std::chrono::milliseconds(c.realtime_auth_timeout_ms);
  o.events_per_second = static_cast<int>(c.realtime_events_per_second);
  o.events_burst = static_cast<int>(c.realtime_events_burst);
  o.anonymous_allowed = c.auth_allow_anonymous_viewers;
  o.max_frame_bytes = static_cast<size_t>(c.realtime_max_frame_bytes);
  return o;
}

bus::redis::RedisClientOptions redis_options(const Config& c) {
  auto endpoint = bus::redis::parse_redis_url(c.bus_url);
  if (!endpoint) throw std::runtime_error(endpoint.error().message);
  bus::redis::RedisClientOptions o;
  o.endpoint = std::move(*endpoint);
  return o;
}

std::unique_ptr<RealtimeWiring> wire_realtime(const Config& config, net::IoPool& io,
                                              WorkerPool& workers, net::Router& router,
                                              net::HttpServer& http, api::ApiContext& api,
                                              platform::PlatformServices& platform,
                                              store::Store& store, MetricsRegistry& metrics,
                                              const Clock& clock) {
  auto w = std::make_unique<RealtimeWiring>();
  w->chat = std::make_unique<platform::ChatService>(store, platform.policy(), clock);
  w->moderation = std::make_unique<platform::ModerationService>(store, platform.policy(), clock);
  if (config.bus_url.empty()) {
    w->bus = std::make_unique<realtime::InProcessRoomBus>();
  } else {
    // Started at once: Redis unreachable is not fatal (the bus reconnects; docs/operations.md).
    auto redis =
        std::make_unique<realtime::RedisRoomBus>(config.node_id, redis_options(config), metrics);
    redis->start();
    w->redis_bus = redis.get();
    w->bus = std::move(redis);
    w->chat_gate = std::make_unique<realtime::RedisChatRateGate>(gateway_options(config).chat.rate,
                                                                 redis_options(config), metrics);
    w->chat_gate->start();
  }
  w->gateway = std::make_unique<realtime::Gateway>(io, workers, platform.accounts(), *w->chat,
                                                   *w->moderation, platform.policy(), *w->bus,
                                                   metrics, clock, [&] {
                                                     auto o = gateway_options(config);
                                                     o.analytics = api.analytics;
                                                     o.chat_gate = w->chat_gate.get();
                                                     return o;
                                                   }());
  w->moderation->set_pending_messages(&w->gateway->pending_messages());
  w->moderation->add_listener(*w->gateway);
  platform.streams().add_listener(*w->gateway);

  net::WebSocketOptions ws;
  ws.max_message_bytes = static_cast<size_t>(config.realtime_max_frame_bytes);
  ws.max_queued_messages = static_cast<size_t>(config.realtime_send_queue_messages);
  ws.max_queued_bytes = static_cast<size_t>(config.realtime_send_queue_bytes);
  http.set_websocket("/ws", w->gateway->acceptor(), ws);
  api::add_chat_routes(router, api, *w->chat, *w->moderation);
  return w;
}

}  // namespace stagecast::app
