#include "realtime/client_session.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <utility>

#include "core/random.h"
#include "platform/errors.h"
#include "realtime/gateway.h"
#include "realtime/room.h"

namespace stagecast::realtime {

namespace asio = boost::asio;

namespace {

void send_to(const std::shared_ptr<net::WebSocketConnection>& conn, std::string text) {
  conn->send(std::make_shared<const std::string>(std::move(text)));
}

int64_t steady_ms(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             clock.steady_now().time_since_epoch())
      .count();
}

}  // namespace

ClientSession::ClientSession(Gateway& gateway, std::shared_ptr<net::WebSocketConnection> conn,
                             asio::io_context& io)
    : gateway_(gateway), conn_(std::move(conn)), conn_id_(conn_->id()), io_(io), auth_timer_(io) {}

void ClientSession::start() {
  const GatewayOptions& o = gateway_.options();
  tokens_ = o.events_burst;
  refilled_at_ms_ = steady_ms(gateway_.clock());
  session_id_ = random_id();
  events::HelloInfo hello;
  hello.auth_timeout_ms = o.auth_timeout.count();
  hello.max_message_chars = o.chat.max_chars;
  hello.max_frame_bytes = o.max_frame_bytes;
  hello.anonymous_allowed = o.anonymous_allowed;
  send(events::hello(hello));
  auth_timer_.expires_after(o.auth_timeout);
  auth_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->closed_) return;
    if (self->identity_ || self->room_ || self->joining_ || self->authenticating_) return;
    self->refuse("auth_timeout", "send auth (or join as an anonymous viewer) sooner", {});
    self->conn_->close(net::CloseCode::PolicyViolation, "authentication timeout");
  });
}

void ClientSession::send(std::string text) {
  if (conn_) send_to(conn_, std::move(text));
}

void ClientSession::refuse(std::string_view code, std::string_view message,
                           const events::RequestId& rid) {
  gateway_.metrics()
      .counter("stagecast_realtime_errors_total", "Error events sent to clients",
               "code=\"" + std::string(code) + "\"")
      .inc();
  send(events::error(code, message, rid));
}

bool ClientSession::within_budget() {
  const GatewayOptions& o = gateway_.options();
  const int64_t now = steady_ms(gateway_.clock());
  tokens_ = std::min<double>(o.events_burst, tokens_ + static_cast<double>(now - refilled_at_ms_) *
                                                           o.events_per_second / 1000.0);
  refilled_at_ms_ = now;
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

void ClientSession::on_message(const std::string& text) {
  if (closed_ || !conn_) return;
  if (!within_budget()) {
    refuse("flooding", "too many events; slow down", {});
    conn_->close(net::CloseCode::PolicyViolation, "too many events");
    closed_ = true;
    return;
  }
  ParsedClientEvent parsed = parse_client_event(text);
  if (!parsed.event) {
    refuse(parsed.event.error().code, parsed.event.error().message, parsed.request_id);
    return;
  }
  dispatch(*parsed.event, parsed.request_id);
}

void ClientSession::dispatch(ClientEvent& event, const events::RequestId& rid) {
  // The room sends `joined` before this thread hears the join succeeded: events a client sends
  // as soon as it reads `joined` (or pipelines behind its join) wait for that.
  const bool room_event =
      std::holds_alternative<ChatEvent>(event) || std::holds_alternative<LeaveEvent>(event) ||
      !(std::holds_alternative<AuthEvent>(event) || std::holds_alternative<JoinEvent>(event) ||
        std::holds_alternative<PingEvent>(event));
  if (joining_ && room_event) {
    if (held_.size() >= kMaxHeldEvents) return refuse("busy", "the join is under way", rid);
    held_.push_back(HeldEvent{std::move(event), rid});
    return;
  }
  if (auto* e = std::get_if<AuthEvent>(&event)) {
    on_auth(*e, rid);
  } else if (auto* j = std::get_if<JoinEvent>(&event)) {
    on_join(*j, rid);
  } else if (std::holds_alternative<LeaveEvent>(event)) {
    on_leave(rid);
  } else if (auto* c = std::get_if<ChatEvent>(&event)) {
    on_chat(*c, rid);
  } else if (std::holds_alternative<PingEvent>(event)) {
    send(events::pong(rid));
  } else {
    on_moderation(event, rid);
  }
}

void ClientSession::on_close() {
  closed_ = true;
  auth_timer_.cancel();
  if (identity_) gateway_.signed_out(identity_->user_id, conn_id_);
  if (room_) room_->leave(conn_id_);
  room_.reset();
  conn_.reset();  // the connection holds our handlers: break the cycle
}

// ---- auth ----

void ClientSession::on_auth(const AuthEvent& e, const events::RequestId& rid) {
  if (identity_) return refuse("already_authenticated", "this connection is signed in", rid);
  if (authenticating_) return refuse("busy", "authentication is under way", rid);
  if (room_ || joining_) {
    return refuse("already_joined", "authenticate before joining a stream", rid);
  }
  authenticating_ = true;
  const bool posted = gateway_.workers().post([self = shared_from_this(), token = e.token, rid] {
    auto identity = self->gateway_.accounts().authenticate(token);
    asio::post(self->io_, [self, identity = std::move(identity), rid]() mutable {
      self->authenticating_ = false;
      if (self->closed_) return;
      auto deferred = std::exchange(self->deferred_join_, std::nullopt);
      if (identity) {
        self->identity_ = std::move(identity).value();
        self->auth_timer_.cancel();
        if (self->conn_) self->gateway_.signed_in(self->identity_->user_id, self->conn_);
        self->send(events::authenticated(*self->identity_, rid));
        if (deferred) self->on_join(deferred->event, deferred->request_id);
        return;
      }
      if (identity.error().code == platform::errc::kDbUnavailable) {
        self->refuse(platform::errc::kDbUnavailable, "try again shortly", rid);
        if (deferred) {
          self->refuse("busy", "authenticate again before joining", deferred->request_id);
        }
        return;
      }
      self->refuse("unauthorized", identity.error().message, rid);
      self->conn_->close(net::CloseCode::PolicyViolation, "unauthorized");
    });
  });
  if (!posted) {
    authenticating_ = false;
    refuse("overloaded", "the server is busy; try again", rid);
  }
}

// ---- rooms ----

void ClientSession::on_join(const JoinEvent& e, const events::RequestId& rid) {
  // A join sent right behind auth (pipelined) waits for the authentication's outcome.
  if (authenticating_ && !deferred_join_) {
    deferred_join_ = DeferredJoin{e, rid};
    return;
  }
  if (joining_ || authenticating_) return refuse("busy", "a previous request is under way", rid);
  if (room_) {
    if (room_->stream_id() == e.stream_id) {
      return refuse("already_joined", "this connection is in that stream's room", rid);
    }
    room_->leave(conn_id_);
    room_.reset();
  }
  joining_ = true;
  auth_timer_.cancel();
  const bool posted = gateway_.workers().post([self = shared_from_this(), conn = conn_,
                                               identity = identity_, stream_id = e.stream_id, rid] {
    Gateway& gw = self->gateway_;
    const auto fail = [&](std::string code, std::string message) {
      gw.metrics()
          .counter("stagecast_realtime_joins_refused_total", "Joins refused",
                   "reason=\"" + code + "\"")
          .inc();
      send_to(conn, events::error(code, message, rid));
      asio::post(self->io_, [self] { self->joining_ = false; });
    };
    auto admission = gw.chat().admission(identity ? &*identity : nullptr, stream_id);
    if (!admission) return fail(admission.error().code, admission.error().message);
    if (!admission->watch.allowed) {
      const std::string reason(admission->watch.reason);
      return fail(reason, "watching this stream refused: " + reason);
    }
    std::shared_ptr<Room> room = gw.acquire(stream_id, admission->stream.artist_id);
    if (!room) return fail("unavailable", "the server is shutting down");
    JoinRequest request;
    if (room->needs_history()) {
      auto recent = gw.chat().recent(stream_id, platform::kJoinHistoryMessages);
      // Without the store the room starts from what it sees live; a later join fills it in.
      if (recent) request.history = std::move(recent).value();
    }
    request.conn = conn;
    request.identity = identity;
    request.session_id = self->session_id_;
    request.admission = std::move(admission).value();
    request.request_id = rid;
    request.done = [self, room](bool ok) {
      asio::post(self->io_, [self, room, ok] { self->joined(ok, room); });
    };
    request.removed = [weak = std::weak_ptr<ClientSession>(self), io = &self->io_,
                       id = stream_id](std::string_view) {
      asio::post(*io, [weak, id] {
        if (auto s = weak.lock()) s->removed_from_room(id);
      });
    };
    room->join(std::move(request));
  });
  if (!posted) {
    joining_ = false;
    refuse("overloaded", "the server is busy; try again", rid);
  }
}

void ClientSession::joined(bool ok, std::shared_ptr<Room> room) {
  joining_ = false;
  if (closed_ || !conn_) {
    if (ok) room->leave(conn_id_);
    return;
  }
  if (ok) room_ = std::move(room);
  auto held = std::exchange(held_, {});
  for (HeldEvent& h : held) dispatch(h.event, h.request_id);
}

void ClientSession::removed_from_room(const std::string& stream_id) {
  if (room_ && room_->stream_id() == stream_id) room_.reset();
}

void ClientSession::on_leave(const events::RequestId& rid) {
  if (!room_) return refuse("not_joined", "this connection is in no room", rid);
  room_->leave(conn_id_);
  send(events::left(room_->stream_id(), "left", rid));
  room_.reset();
}

void ClientSession::on_chat(ChatEvent& e, const events::RequestId& rid) {
  if (!room_) {
    return refuse("not_joined", joining_ ? "the join is under way" : "join a stream first", rid);
  }
  ChatRateGate* gate = gateway_.options().chat_gate;
  if (!gate || !identity_) {
    room_->chat(conn_, std::move(e.text), rid);
    return;
  }
  // Several nodes: the shared per-user limit first (answered on the gate's thread, in order),
  // then the room, whose own rules still apply.
  gate->check(room_->stream_id(), identity_->user_id,
              [conn = conn_, room = room_, text = std::move(e.text), rid,
               refused = &gateway_.metrics().counter(
                   "stagecast_realtime_errors_total", "Error events sent to clients",
                   "code=\"rate_limited\"")](int64_t retry_after_ms) mutable {
                if (retry_after_ms > 0) {
                  refused->inc();
                  send_to(conn, events::error("rate_limited", "you are sending messages too fast",
                                              rid, retry_after_ms));
                  return;
                }
                room->chat(conn, std::move(text), rid);
              });
}

// ---- moderation ----

void ClientSession::on_moderation(const ClientEvent& event, const events::RequestId& rid) {
  if (!identity_) return refuse("login_required", "sign in to moderate", rid);
  if (!room_) return refuse("not_joined", "join the stream to moderate its chat", rid);
  const bool posted =
      gateway_.workers().post([self = shared_from_this(), conn = conn_, identity = *identity_,
                               stream_id = room_->stream_id(), event, rid] {
        platform::ModerationService& mod = self->gateway_.moderation();
        Result<store::ModerationAction> r = make_error("internal", "unhandled");
        std::string message_id;
        if (auto* d = std::get_if<DeleteMessageEvent>(&event)) {
          r = mod.delete_message(identity, stream_id, d->message_id, d->reason);
          message_id = d->message_id;
        } else if (auto* t = std::get_if<TimeoutEvent>(&event)) {
          r = mod.timeout(identity, stream_id, t->user_id, t->seconds, t->reason);
        } else if (auto* b = std::get_if<BanEvent>(&event)) {
          r = mod.ban(identity, stream_id, b->user_id, b->reason);
        } else if (auto* u = std::get_if<UnbanEvent>(&event)) {
          r = mod.unban(identity, stream_id, u->user_id, u->reason);
        } else if (auto* a = std::get_if<AppointModeratorEvent>(&event)) {
          r = mod.appoint_moderator(identity, stream_id, a->user_id);
        } else if (auto* m = std::get_if<RemoveModeratorEvent>(&event)) {
          r = mod.remove_moderator(identity, stream_id, m->user_id);
        }
        if (!r) {
          self->gateway_.metrics()
              .counter("stagecast_realtime_errors_total", "Error events sent to clients",
                       "code=\"" + r.error().code + "\"")
              .inc();
          send_to(conn, events::error(r.error().code, r.error().message, rid));
          return;
        }
        send_to(conn, events::ack(event_type_name(event), rid, message_id));
      });
  if (!posted) refuse("overloaded", "the server is busy; try again", rid);
}

}  // namespace stagecast::realtime
