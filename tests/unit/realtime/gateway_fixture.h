#pragma once
// The real HTTP server of net/ with the realtime gateway on /ws, over a real (in-memory) SQLite
// store and the platform services, on loopback. Time for the chat rules and the store is a
// ManualClock, so timeouts and slow mode are tested without sleeping; timers of the rooms (viewer
// counts) run on real time.

#include <gtest/gtest.h>

#include <memory>
#include <string>

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
#include "store/store.h"
#include "ws_test_client.h"

namespace stagecast::realtime::testing {

struct User {
  platform::Identity identity;
  std::string token;
  const std::string& id() const { return identity.user_id; }
};

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Override before SetUp runs (in the test's constructor) to change the gateway's options.
  virtual GatewayOptions options();
  // The sockets' limits (send queue per connection).
  virtual net::WebSocketOptions websocket_options();

  User fan(const std::string& name);
  User artist(const std::string& name);
  std::string stream(const User& owner, platform::StreamInput input = {});

  // A connected client that has read `hello`.
  std::unique_ptr<WsTestClient> connect();
  // Connected, authenticated (when `user`), joined; returns the `joined` event in *joined.
  std::unique_ptr<WsTestClient> member(const User* user, const std::string& stream_id,
                                       nlohmann::json* joined = nullptr);
  // Sends chat and returns the broadcast message as `reader` saw it.
  std::string say(WsTestClient& who, const std::string& text);
  uint64_t metric(const std::string& name, const std::string& labels = "");

  ManualClock clock_;
  MetricsRegistry metrics_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<platform::PlatformServices> platform_;
  std::unique_ptr<platform::ChatService> chat_;
  std::unique_ptr<platform::ModerationService> moderation_;
  std::unique_ptr<net::IoPool> io_;
  std::unique_ptr<WorkerPool> workers_;
  InProcessRoomBus bus_;
  std::unique_ptr<Gateway> gateway_;
  net::Router router_;
  std::unique_ptr<net::HttpServer> http_;
  uint16_t port_ = 0;
  int users_ = 0;
};

}  // namespace stagecast::realtime::testing
