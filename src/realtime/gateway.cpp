#include "realtime/gateway.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <functional>
#include <set>

#include "realtime/client_session.h"
#include "realtime/server_events.h"

namespace stagecast::realtime {

Gateway::Gateway(net::IoPool& io, WorkerPool& workers, platform::AccountService& accounts,
                 platform::ChatService& chat, platform::ModerationService& moderation,
                 const platform::AccessPolicy& policy, RoomBus& bus, MetricsRegistry& metrics,
                 const Clock& clock, GatewayOptions options)
    : io_(io),
      workers_(workers),
      accounts_(accounts),
      chat_(chat),
      moderation_(moderation),
      bus_(bus),
      metrics_(metrics),
      clock_(clock),
      options_(std::move(options)),
      global_words_(options_.chat.blocked_words),
      writes_(
          std::make_unique<WriteBehindQueue>(chat, workers, io.at(0), metrics, options_.writes)),
      rooms_gauge_(metrics.gauge("stagecast_realtime_rooms", "Chat rooms open on this node")) {
  room_context_ = std::make_unique<RoomContext>(RoomContext{
      options_.room,
      options_.chat,
      global_words_,
      policy,
      clock,
      bus,
      *writes_,
      metrics,
      metrics.counter("stagecast_chat_messages_total", "Chat messages accepted and broadcast"),
      metrics.counter("stagecast_realtime_deliveries_total",
                      "Room events handed to member sockets (events x members)"),
      metrics.counter("stagecast_realtime_frames_total",
                      "WebSocket messages written by rooms (a batch counts once)"),
      metrics.gauge("stagecast_realtime_members", "Members in chat rooms on this node"),
      [this](const std::string& stream_id) { release_if_idle(stream_id); },
      options_.analytics,
  });
}

Gateway::~Gateway() {
  std::lock_guard lock(mu_);
  for (auto& [id, room] : rooms_) bus_.unsubscribe(id, room.get());
  rooms_.clear();
}

boost::asio::io_context& Gateway::context_of_this_thread() {
  for (boost::asio::io_context* ctx : io_.contexts()) {
    if (ctx->get_executor().running_in_this_thread()) return *ctx;
  }
  // net/ runs acceptors on its I/O threads; anything else is a wiring bug.
  throw std::logic_error("realtime gateway: acceptor called off the I/O threads");
}

net::WebSocketAcceptor Gateway::acceptor() {
  return [this](std::shared_ptr<net::WebSocketConnection> conn, const net::Request&,
                net::Response* reject, bool* rejected) -> net::WebSocketHandlers {
    {
      std::lock_guard lock(mu_);
      if (stopping_) {
        *reject = net::Response::error(503, "unavailable", "the server is shutting down");
        *rejected = true;
        return {};
      }
    }
    auto session =
        std::make_shared<ClientSession>(*this, std::move(conn), context_of_this_thread());
    session->start();
    net::WebSocketHandlers handlers;
    handlers.on_message = [session](const std::string& text) { session->on_message(text); };
    handlers.on_close = [session](net::CloseCode) { session->on_close(); };
    return handlers;
  };
}

std::shared_ptr<Room> Gateway::acquire(const std::string& stream_id, const std::string& artist_id) {
  std::lock_guard lock(mu_);
  if (stopping_) return nullptr;
  auto& slot = rooms_[stream_id];
  if (!slot) {
    auto& home = io_.at(std::hash<std::string>{}(stream_id) % io_.size());
    slot = std::make_shared<Room>(stream_id, artist_id, *room_context_, home);
    bus_.subscribe(stream_id, slot);
    rooms_gauge_.set(static_cast<int64_t>(rooms_.size()));
  }
  slot->expect_join();
  return slot;
}

int64_t Gateway::viewer_count(const std::string& stream_id) {
  auto room = find(stream_id);
  int64_t count = room ? static_cast<int64_t>(room->viewer_count()) : 0;
  if (room_context_->remote_viewers) count += room_context_->remote_viewers(stream_id);
  return count;
}

std::vector<std::pair<std::string, int64_t>> Gateway::local_viewer_counts() {
  std::vector<std::pair<std::string, int64_t>> out;
  std::lock_guard lock(mu_);
  out.reserve(rooms_.size());
  for (const auto& [id, room] : rooms_) {
    auto count = static_cast<int64_t>(room->viewer_count());
    if (options_.analytics) count = options_.analytics->viewers_now(id).value_or(count);
    out.emplace_back(id, count);
  }
  return out;
}

void Gateway::set_artist_streams(
    std::function<std::vector<std::string>(const std::string& artist_id)> streams) {
  artist_streams_ = std::move(streams);
}

void Gateway::set_remote_viewers(std::function<int64_t(const std::string& stream_id)> remote) {
  room_context_->remote_viewers = std::move(remote);
}

std::shared_ptr<Room> Gateway::find(const std::string& stream_id) {
  std::lock_guard lock(mu_);
  const auto it = rooms_.find(stream_id);
  return it == rooms_.end() ? nullptr : it->second;
}

void Gateway::release_if_idle(const std::string& stream_id) {
  std::shared_ptr<Room> room;
  {
    std::lock_guard lock(mu_);
    const auto it = rooms_.find(stream_id);
    // A join counted under this lock has not reached the room yet: keep it.
    if (it == rooms_.end() || it->second->pending_joins() > 0) return;
    room = std::move(it->second);
    rooms_.erase(it);
    rooms_gauge_.set(static_cast<int64_t>(rooms_.size()));
  }
  bus_.unsubscribe(stream_id, room.get());
  room->stop();
}

std::vector<std::shared_ptr<Room>> Gateway::rooms_of_artist(const std::string& artist_id) {
  std::vector<std::shared_ptr<Room>> out;
  std::lock_guard lock(mu_);
  for (const auto& [id, room] : rooms_) {
    if (room->artist_id() == artist_id) out.push_back(room);
  }
  return out;
}

void Gateway::stop(std::chrono::milliseconds budget) {
  std::vector<std::shared_ptr<Room>> rooms;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    for (const auto& [id, room] : rooms_) rooms.push_back(room);
  }
  // Each room closes its members on its own thread (and queues their viewer sessions' end).
  struct Pending {
    std::mutex mu;
    std::condition_variable cv;
    size_t left = 0;
  };
  auto pending = std::make_shared<Pending>();
  pending->left = rooms.size();
  for (const auto& room : rooms) {
    room->close_all([pending] {
      std::lock_guard lock(pending->mu);
      --pending->left;
      pending->cv.notify_all();
    });
  }
  {
    std::unique_lock lock(pending->mu);
    pending->cv.wait_for(lock, budget / 2, [&] { return pending->left == 0; });
  }
  writes_->stop_and_flush(budget / 2);
}

// ---- platform events ----

void Gateway::publish_stream_change(const store::LiveStream& stream, bool status_changed) {
  RoomEvent e;
  e.kind = RoomEvent::Kind::kStreamChanged;
  e.stream = std::make_shared<const store::LiveStream>(stream);
  e.wire = std::make_shared<const std::string>(status_changed ? events::stream_status(stream)
                                                              : events::chat_settings(stream));
  bus_.publish(stream.id, e);
}

void Gateway::went_live(const store::LiveStream& stream) {
  publish_stream_change(stream, true);
}

void Gateway::ended(const store::LiveStream& stream, std::string_view) {
  publish_stream_change(stream, true);
}

void Gateway::settings_changed(const store::LiveStream& stream) {
  publish_stream_change(stream, false);
}

void Gateway::moderated(const store::ModerationAction& action) {
  using K = store::ModerationActionKind;
  if (action.action == K::kDeleteMessage) {
    if (!action.stream_id || !action.message_id) return;
    RoomEvent e;
    e.kind = RoomEvent::Kind::kMessageDeleted;
    e.message_id = *action.message_id;
    e.wire = std::make_shared<const std::string>(
        events::message_deleted(*action.stream_id, *action.message_id));
    bus_.publish(*action.stream_id, e);
    return;
  }
  if (!action.target_user_id) return;
  const std::string& user = *action.target_user_id;
  // Bans, timeouts and appointments hold in every stream of the artist's channel: the rooms here,
  // and with several nodes the stream acted in and the artist's other live streams, whose rooms
  // may be on other nodes (the bus carries them there; a stream without a room costs nothing).
  std::set<std::string> streams;
  for (const auto& room : rooms_of_artist(action.artist_id)) streams.insert(room->stream_id());
  if (artist_streams_) {
    if (action.stream_id) streams.insert(*action.stream_id);
    for (auto& sid : artist_streams_(action.artist_id)) streams.insert(std::move(sid));
  }
  for (const std::string& sid : streams) {
    RoomEvent e;
    e.user_id = user;
    switch (action.action) {
      case K::kTimeout:
        e.kind = RoomEvent::Kind::kUserTimedOut;
        e.until_ms = action.created_at + action.duration_seconds.value_or(0) * 1000;
        e.wire = std::make_shared<const std::string>(events::user_timed_out(sid, user, e.until_ms));
        break;
      case K::kBan:
        e.kind = RoomEvent::Kind::kUserBanned;
        e.wire = std::make_shared<const std::string>(events::user_banned(sid, user));
        break;
      case K::kUnban:
        e.kind = RoomEvent::Kind::kUserUnbanned;
        e.wire = std::make_shared<const std::string>(events::user_unbanned(sid, user));
        break;
      case K::kAppointModerator:
      case K::kRemoveModerator: {
        const bool added = action.action == K::kAppointModerator;
        e.kind = added ? RoomEvent::Kind::kModeratorAdded : RoomEvent::Kind::kModeratorRemoved;
        e.wire = std::make_shared<const std::string>(events::moderator(sid, user, added));
        break;
      }
      case K::kDeleteMessage:
        return;
    }
    bus_.publish(sid, e);
  }
}

void Gateway::signed_in(const std::string& user_id,
                        const std::shared_ptr<net::WebSocketConnection>& conn) {
  std::lock_guard lock(users_mu_);
  users_[user_id][conn->id()] = conn;
}

void Gateway::signed_out(const std::string& user_id, uint64_t conn_id) {
  std::lock_guard lock(users_mu_);
  auto it = users_.find(user_id);
  if (it == users_.end()) return;
  it->second.erase(conn_id);
  if (it->second.empty()) users_.erase(it);
}

void Gateway::in_app_created(const store::Notification& n) {
  std::vector<std::shared_ptr<net::WebSocketConnection>> targets;
  {
    std::lock_guard lock(users_mu_);
    auto it = users_.find(n.user_id);
    if (it == users_.end()) return;
    for (const auto& [id, weak] : it->second) {
      if (auto conn = weak.lock()) targets.push_back(std::move(conn));
    }
  }
  // Serialised once for all of the user's tabs; send() is thread-safe and bounded (a slow tab is
  // closed by net/, never buffered without limit).
  auto wire = std::make_shared<const std::string>(events::notification(n));
  for (const auto& conn : targets) conn->send(wire);
}

void Gateway::ticket_access_changed(const store::StreamTicket& ticket,
                                    const store::LiveStream& stream, bool may_watch) {
  // A fan who just got in joins on their own (the Viewer rejoins once access says so).
  if (may_watch) return;
  RoomEvent e;
  e.kind = RoomEvent::Kind::kAccessRevoked;
  e.user_id = ticket.fan_id;
  bus_.publish(stream.id, e);
}

}  // namespace stagecast::realtime
