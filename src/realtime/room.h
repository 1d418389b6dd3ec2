#pragma once
// One stream's chat room on one node. Its state lives on one I/O thread (the room's home,
// chosen by the stream id) and is touched only there: members, the last 50 visible messages,
// the chat rules with each member's access facts, the viewer count. Every public method may be
// called from any thread and posts to the home thread; nothing here blocks (database writes go
// to the WriteBehindQueue, history is loaded by the joining session's worker).
//
// Fan-out: an event is serialised once; the room collects events while its previous flush is
// under way and then writes one frame to every member (the event itself, or a `batch` of them
// when several arrived together), so a busy room costs one send per member per flush, not per
// message (see schedule_flush). Each connection's queue is bounded by net/: a member that cannot
// keep up is closed (1008) rather than buffered without bound.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "net/websocket.h"
#include "platform/analytics_service.h"
#include "platform/chat_rules.h"
#include "platform/chat_service.h"
#include "platform/identity.h"
#include "realtime/room_bus.h"
#include "realtime/server_events.h"
#include "realtime/write_behind_queue.h"

namespace stagecast::realtime {

struct RoomOptions {
  int64_t max_viewers = 10'000;  // owner, admins and moderators neither count nor are refused
  std::chrono::milliseconds viewer_count_interval{1'000};
  std::chrono::milliseconds linger{30'000};  // an empty room stays this long
  bool batch_events = true;
  // `ack` of a chat message: after it is stored (group commit behind the broadcast), or as soon
  // as it is broadcast (realtime.chat_ack; docs/realtime.md, "Durability").
  bool ack_when_stored = true;
  // Batching under load: the next flush waits as long as the previous one took, up to this.
  std::chrono::milliseconds max_flush_pause{250};
  size_t max_batch_bytes = 64 * 1024;  // a larger outbox goes out as several batch frames
  // The owner (and admins) in the room get the stream's live analytics this often.
  std::chrono::milliseconds analytics_interval{5'000};
};

// What every room shares; owned by the gateway.
struct RoomContext {
  RoomOptions options;
  const platform::ChatLimits& chat_limits;
  const platform::BlockedWords& global_words;
  const platform::AccessPolicy& policy;
  const Clock& clock;
  RoomBus& bus;
  WriteBehindQueue& writes;
  MetricsRegistry& metrics;
  Counter& chat_messages;
  Counter& deliveries;
  Counter& frames;
  Gauge& members;
  // Called on the room's thread when it has been empty for `linger`.
  std::function<void(const std::string& stream_id)> on_idle;
  // When set, presence and chat are counted there (docs/analytics.md), viewer counts are its
  // people watching (HLS too), and the owner gets its `analytics` events; otherwise the room
  // writes its members' stream_viewers rows itself.
  platform::AnalyticsService* analytics = nullptr;
  // With several nodes: the viewers of the stream on the other nodes (a cached figure; never
  // blocks), added to this node's in the counts members see.
  std::function<int64_t(const std::string& stream_id)> remote_viewers;
};

struct JoinRequest {
  std::shared_ptr<net::WebSocketConnection> conn;
  std::optional<platform::Identity> identity;
  std::string session_id;  // identifies an anonymous viewer's session
  platform::RoomAdmission admission;
  // The last messages from the store when the room asked for them (needs_history()).
  std::optional<std::vector<store::ChatMessage>> history;
  events::RequestId request_id;
  // On the room's thread: whether the member is in.
  std::function<void(bool joined)> done;
  // On the room's thread: the member was removed by the room (banned, shutdown).
  std::function<void(std::string_view reason)> removed;
};

class Room final : public RoomSink, public std::enable_shared_from_this<Room> {
 public:
  Room(std::string stream_id, std::string artist_id, RoomContext& context,
       boost::asio::io_context& home);
  ~Room() override;

  const std::string& stream_id() const { return stream_id_; }
  const std::string& artist_id() const { return artist_id_; }
  // True until the room holds the stream's recent messages from the store.
  bool needs_history() const { return !history_loaded_.load(std::memory_order_acquire); }

  // A join that is on its way; the gateway counts it so an idle room is not dropped under it.
  void expect_join() { pending_joins_.fetch_add(1); }
  int pending_joins() const { return pending_joins_.load(); }
  // Viewers in the room now (any thread: the home page's cards read it).
  size_t viewer_count() const { return viewers_.load(std::memory_order_relaxed); }

  void join(JoinRequest request);
  void leave(uint64_t connection_id);
  void chat(std::shared_ptr<net::WebSocketConnection> conn, std::string text,
            events::RequestId request_id);
  // Closes every member's connection (server shutdown); `done` runs on the room's thread.
  void close_all(std::function<void()> done);
  void stop();  // cancels the timers; the room is being dropped

  // RoomSink
  void deliver(const RoomEvent& event) override;

 private:
  struct Member {
    std::shared_ptr<net::WebSocketConnection> conn;
    std::optional<platform::Identity> identity;
    platform::ChatSender sender;
    std::string viewer_key;   // user id, or "anon:" + session id
    uint64_t viewer_row = 0;  // WriteBehindQueue key of the open stream_viewers row
    size_t slot = 0;          // in fanout_
    bool privileged = false;  // owner, admin or moderator: beyond the viewer limit
    std::function<void(std::string_view)> removed;
  };

  void do_join(JoinRequest& request);
  void do_leave(uint64_t connection_id);
  void do_chat(const std::shared_ptr<net::WebSocketConnection>& conn, const std::string& text,
               const events::RequestId& request_id);
  void apply(const RoomEvent& event);
  void remove_member(uint64_t connection_id, std::string_view reason, bool notify);
  void remove_history_of(const std::string& user_id);
  void install_history(std::vector<store::ChatMessage> loaded);
  const std::string& history_json();
  void open_viewer_row(Member& m);
  void close_viewer_row(Member& m);
  void push_analytics();
  events::You you(const Member& m) const;

  void enqueue(std::shared_ptr<const std::string> wire);
  void schedule_flush();
  void flush();
  void schedule_tick();
  void tick();
  void schedule_linger();

  const std::string stream_id_;
  const std::string artist_id_;
  RoomContext& ctx_;
  boost::asio::io_context& home_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer linger_timer_;
  boost::asio::steady_timer flush_timer_;
  std::atomic<bool> history_loaded_{false};
  std::atomic<int> pending_joins_{0};

  // Home thread only.
  std::optional<store::LiveStream> stream_;
  platform::ChatRules rules_;
  std::unordered_map<uint64_t, Member> members_;
  std::vector<net::WebSocketConnection*> fanout_;  // dense, for the broadcast loop
  std::vector<uint64_t> fanout_ids_;               // connection id at each slot
  std::atomic<size_t> viewers_ = 0;                // members counted against the viewer limit
  std::deque<store::ChatMessage> history_;
  std::string history_json_;
  bool history_dirty_ = true;
  std::vector<std::shared_ptr<const std::string>> outbox_;
  bool flush_posted_ = false;
  bool flush_timer_armed_ = false;
  bool flushing_ = false;  // a flush's sends are being issued
  std::chrono::steady_clock::time_point next_flush_at_{};
  bool ticking_ = false;
  bool lingering_ = false;
  bool stopped_ = false;
  int64_t last_count_sent_ = -1;
  int64_t peak_ = 0;  // members at most, while live
  int64_t peak_recorded_ = 0;
  size_t unique_recorded_ = 0;
  std::unordered_set<std::string> unique_viewers_;  // while live
  uint64_t ticks_ = 0;
  std::shared_ptr<const std::string> analytics_sent_;  // the figures last pushed to the owner
  std::chrono::steady_clock::time_point analytics_at_{};
};

}  // namespace stagecast::realtime
