#pragma once
// The realtime gateway behind /ws (docs/realtime.md): accepts WebSocket connections, runs a
// ClientSession per connection on its I/O thread, keeps the rooms of this node (one per stream
// with members), and turns what the platform tells it (a stream went live or ended, its chat
// settings changed, a moderation action was stored) into room events on the bus.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/worker_pool.h"
#include "net/io_pool.h"
#include "net/websocket.h"
#include "platform/access_policy.h"
#include "platform/account_service.h"
#include "platform/chat_rules.h"
#include "platform/chat_service.h"
#include "platform/moderation_events.h"
#include "platform/moderation_service.h"
#include "platform/notification_events.h"
#include "platform/stream_events.h"
#include "platform/ticket_events.h"
#include "realtime/chat_rate_gate.h"
#include "realtime/room.h"
#include "realtime/room_bus.h"
#include "realtime/write_behind_queue.h"

namespace stagecast::realtime {

struct GatewayOptions {
  RoomOptions room;
  platform::ChatLimits chat;
  WriteBehindOptions writes;
  // A connection must send auth (or join, as an anonymous viewer) within this time.
  std::chrono::milliseconds auth_timeout{10'000};
  // Per connection, all event types together: a flood is closed with 1008.
  int events_per_second = 20;
  int events_burst = 60;
  bool anonymous_allowed = true;      // told to clients in `hello`; the access policy decides
  size_t max_frame_bytes = 8 * 1024;  // told to clients in `hello`; net/ enforces it (1009)
  platform::AnalyticsService* analytics = nullptr;  // borrowed; RoomContext::analytics
  ChatRateGate* chat_gate = nullptr;  // borrowed; several nodes: the shared chat rate limit
};

class ClientSession;

class Gateway final : public platform::StreamEvents,
                      public platform::ModerationEvents,
                      public platform::TicketEvents,
                      public platform::NotificationEvents {
 public:
  // Every collaborator is borrowed and must outlive the gateway.
  Gateway(net::IoPool& io, WorkerPool& workers, platform::AccountService& accounts,
          platform::ChatService& chat, platform::ModerationService& moderation,
          const platform::AccessPolicy& policy, RoomBus& bus, MetricsRegistry& metrics,
          const Clock& clock, GatewayOptions options);
  ~Gateway() override;
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // For HttpServer::set_websocket.
  net::WebSocketAcceptor acceptor();
  // Messages broadcast but not stored yet, for ModerationService.
  platform::PendingChatMessages& pending_messages() { return *writes_; }

  // Refuses new connections, closes every member with 1001 and writes what is queued (up to
  // `budget`). Call before the I/O threads stop.
  void stop(std::chrono::milliseconds budget = std::chrono::seconds(3));

  // platform::StreamEvents
  void went_live(const store::LiveStream& stream) override;
  void ended(const store::LiveStream& stream, std::string_view reason) override;
  void settings_changed(const store::LiveStream& stream) override;
  // platform::ModerationEvents
  void moderated(const store::ModerationAction& action) override;
  // platform::TicketEvents: a fan who may no longer watch leaves the stream's room.
  void ticket_access_changed(const store::StreamTicket& ticket, const store::LiveStream& stream,
                             bool may_watch) override;
  // platform::NotificationEvents: a `notification` event to every open connection of the user
  // on this node (docs/realtime.md).
  void in_app_created(const store::Notification& n) override;

  // ---- for sessions ----
  const GatewayOptions& options() const { return options_; }
  // Viewers of the stream in this node's room, plus those on the other nodes when remote viewers
  // are set. Any thread, no I/O.
  int64_t viewer_count(const std::string& stream_id);
  // What this node adds to the counts of several nodes: its viewers of each stream it has a
  // room for (people watching, as the rooms count them). Any thread, no I/O.
  std::vector<std::pair<std::string, int64_t>> local_viewer_counts();
  // The other nodes' viewers of a stream (RoomContext::remote_viewers); before the I/O starts.
  void set_remote_viewers(std::function<int64_t(const std::string& stream_id)> remote);
  // Several nodes: the artist's live streams (a cached list, no I/O), so that channel-wide
  // moderation reaches their rooms on other nodes; before the I/O starts.
  void set_artist_streams(
      std::function<std::vector<std::string>(const std::string& artist_id)> streams);
  WorkerPool& workers() { return workers_; }
  platform::AccountService& accounts() { return accounts_; }
  platform::ChatService& chat() { return chat_; }
  platform::ModerationService& moderation() { return moderation_; }
  MetricsRegistry& metrics() { return metrics_; }
  const Clock& clock() const { return clock_; }
  // The stream's room on this node, created when needed; counts a join on its way.
  std::shared_ptr<Room> acquire(const std::string& stream_id, const std::string& artist_id);
  std::shared_ptr<Room> find(const std::string& stream_id);
  // A connection signed in as `user_id` / closed: who receives that user's notifications.
  void signed_in(const std::string& user_id, const std::shared_ptr<net::WebSocketConnection>& conn);
  void signed_out(const std::string& user_id, uint64_t conn_id);

 private:
  void release_if_idle(const std::string& stream_id);
  void publish_stream_change(const store::LiveStream& stream, bool status_changed);
  std::vector<std::shared_ptr<Room>> rooms_of_artist(const std::string& artist_id);
  boost::asio::io_context& context_of_this_thread();

  std::function<std::vector<std::string>(const std::string& artist_id)> artist_streams_;

  net::IoPool& io_;
  WorkerPool& workers_;
  platform::AccountService& accounts_;
  platform::ChatService& chat_;
  platform::ModerationService& moderation_;
  RoomBus& bus_;
  MetricsRegistry& metrics_;
  const Clock& clock_;
  GatewayOptions options_;
  platform::BlockedWords global_words_;
  std::unique_ptr<WriteBehindQueue> writes_;
  std::unique_ptr<RoomContext> room_context_;

  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Room>> rooms_;
  bool stopping_ = false;
  Gauge& rooms_gauge_;

  // Signed-in connections by user (any page of the site, in a room or not). Weak: the
  // connection's life is its session's; signed_out removes the entry.
  std::mutex users_mu_;
  std::map<std::string, std::map<uint64_t, std::weak_ptr<net::WebSocketConnection>>> users_;
};

}  // namespace stagecast::realtime
