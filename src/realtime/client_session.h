#pragma once
// One WebSocket connection on /ws: reads client events (client_event.h), answers them, and is
// the connection's member in at most one room at a time. Lives on its connection's I/O thread:
// on_message and on_close arrive there, and work done elsewhere (authentication, the join's
// access check, moderation on the worker pool; the room's decision on its thread) posts its
// result back. Replies are written straight to the connection, which is thread-safe.
//
// Life: `hello` on connect; then `auth` (or, for an anonymous viewer, `join`) within the auth
// timeout or the connection is closed with 1008. A flood of events (more than the per-connection
// budget) is closed with 1008 as well.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/websocket.h"
#include "platform/identity.h"
#include "realtime/client_event.h"
#include "realtime/server_events.h"

namespace stagecast::realtime {

class Gateway;
class Room;

class ClientSession final : public std::enable_shared_from_this<ClientSession> {
 public:
  ClientSession(Gateway& gateway, std::shared_ptr<net::WebSocketConnection> conn,
                boost::asio::io_context& io);

  void start();
  void on_message(const std::string& text);
  void on_close();

 private:
  void dispatch(ClientEvent& event, const events::RequestId& rid);
  void on_auth(const AuthEvent& e, const events::RequestId& rid);
  void on_join(const JoinEvent& e, const events::RequestId& rid);
  void on_leave(const events::RequestId& rid);
  void on_chat(ChatEvent& e, const events::RequestId& rid);
  void on_moderation(const ClientEvent& e, const events::RequestId& rid);
  void joined(bool ok, std::shared_ptr<Room> room);
  void removed_from_room(const std::string& stream_id);
  bool within_budget();
  void send(std::string text);
  void refuse(std::string_view code, std::string_view message, const events::RequestId& rid);

  Gateway& gateway_;
  std::shared_ptr<net::WebSocketConnection> conn_;  // reset on close
  const uint64_t conn_id_;
  boost::asio::io_context& io_;
  boost::asio::steady_timer auth_timer_;

  // The connection's thread only.
  std::optional<platform::Identity> identity_;
  std::string session_id_;  // random, for an anonymous viewer's stream_viewers row
  bool authenticating_ = false;
  bool joining_ = false;
  bool closed_ = false;
  std::shared_ptr<Room> room_;
  struct DeferredJoin {
    JoinEvent event;
    events::RequestId request_id;
  };
  std::optional<DeferredJoin> deferred_join_;
  // Room events sent while a join is under way, replayed once it is decided.
  struct HeldEvent {
    ClientEvent event;
    events::RequestId request_id;
  };
  static constexpr size_t kMaxHeldEvents = 32;
  std::vector<HeldEvent> held_;
  double tokens_ = 0;
  int64_t refilled_at_ms_ = 0;
};

}  // namespace stagecast::realtime
