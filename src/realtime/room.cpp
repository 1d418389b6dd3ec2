#include "realtime/room.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "core/random.h"

namespace stagecast::realtime {

namespace asio = boost::asio;
using store::StreamStatus;

Room::Room(std::string stream_id, std::string artist_id, RoomContext& context,
           asio::io_context& home)
    : stream_id_(std::move(stream_id)),
      artist_id_(std::move(artist_id)),
      ctx_(context),
      home_(home),
      tick_timer_(home),
      linger_timer_(home),
      flush_timer_(home),
      rules_(context.chat_limits, context.global_words, context.policy, context.clock) {}

Room::~Room() = default;

void Room::join(JoinRequest request) {
  asio::post(home_,
             [self = shared_from_this(), r = std::move(request)]() mutable { self->do_join(r); });
}

void Room::leave(uint64_t connection_id) {
  asio::post(home_, [self = shared_from_this(), connection_id] { self->do_leave(connection_id); });
}

void Room::chat(std::shared_ptr<net::WebSocketConnection> conn, std::string text,
                events::RequestId request_id) {
  asio::post(home_, [self = shared_from_this(), conn = std::move(conn), text = std::move(text),
                     rid = std::move(request_id)] { self->do_chat(conn, text, rid); });
}

void Room::deliver(const RoomEvent& event) {
  if (home_.get_executor().running_in_this_thread()) {
    apply(event);
    return;
  }
  asio::post(home_, [self = shared_from_this(), event] { self->apply(event); });
}

void Room::close_all(std::function<void()> done) {
  asio::post(home_, [self = shared_from_this(), done = std::move(done)] {
    self->flush();
    for (auto& [id, m] : self->members_) {
      self->close_viewer_row(m);
      m.conn->close(net::CloseCode::GoingAway, "server shutting down");
      if (m.removed) m.removed("shutdown");
    }
    self->ctx_.members.add(-static_cast<int64_t>(self->members_.size()));
    self->members_.clear();
    self->viewers_ = 0;
    self->fanout_.clear();
    self->fanout_ids_.clear();
    if (self->stream_ && self->stream_->status == StreamStatus::kLive) {
      self->ctx_.writes.viewer_stats(self->stream_id_, self->peak_,
                                     static_cast<int64_t>(self->unique_viewers_.size()));
    }
    done();
  });
}

void Room::stop() {
  asio::post(home_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->tick_timer_.cancel();
    self->linger_timer_.cancel();
    self->flush_timer_.cancel();
  });
}

// ---- joining and leaving ----

void Room::do_join(JoinRequest& r) {
  pending_joins_.fetch_sub(1);
  const platform::RoomAdmission& a = r.admission;
  if (r.history && needs_history()) install_history(std::move(*r.history));
  // The newest view of the stream wins: events keep it current, and a joiner's copy from the
  // store may be newer when an event fell between the store read and the room's creation.
  if (!stream_ || a.stream.updated_at > stream_->updated_at) {
    RoomEvent changed;
    changed.kind = RoomEvent::Kind::kStreamChanged;
    changed.stream = std::make_shared<const store::LiveStream>(a.stream);
    if (stream_ && stream_->status != a.stream.status) {
      changed.wire = std::make_shared<const std::string>(events::stream_status(a.stream));
    }
    apply(changed);
  }

  const uint64_t id = r.conn->id();
  if (members_.contains(id)) {
    r.done(true);
    return;
  }
  const bool privileged = a.subject.owner || a.subject.moderator ||
                          (!a.subject.anonymous && a.subject.role == store::Role::kAdmin);
  if (!privileged && static_cast<int64_t>(viewers_) >= ctx_.options.max_viewers) {
    ctx_.metrics
        .counter("stagecast_realtime_joins_refused_total", "Joins refused",
                 "reason=\"viewer_limit\"")
        .inc();
    r.conn->send(std::make_shared<const std::string>(
        events::error("viewer_limit",
                      "this stream has reached its limit of " +
                          std::to_string(ctx_.options.max_viewers) + " viewers; try again later",
                      r.request_id)));
    r.done(false);
    if (members_.empty()) schedule_linger();
    return;
  }

  // Broadcasts already collected are older than the history the newcomer is about to get.
  flush();
  if (lingering_) {
    lingering_ = false;
    linger_timer_.cancel();
  }
  Member m;
  m.conn = r.conn;
  m.identity = r.identity;
  m.sender.user_id = r.identity ? r.identity->user_id : std::string();
  m.sender.subject = a.subject;
  m.sender.timed_out_until = a.timed_out_until;
  m.viewer_key = r.identity ? r.identity->user_id : "anon:" + r.session_id;
  m.privileged = privileged;
  if (!privileged) ++viewers_;
  m.slot = fanout_.size();
  m.removed = std::move(r.removed);
  fanout_.push_back(r.conn.get());
  fanout_ids_.push_back(id);
  auto [it, inserted] = members_.emplace(id, std::move(m));
  ctx_.members.add(1);
  open_viewer_row(it->second);

  r.conn->send(std::make_shared<const std::string>(
      events::joined(*stream_, ctx_.chat_limits.max_chars, you(it->second), history_json(),
                     static_cast<int64_t>(members_.size()), r.request_id)));
  r.done(true);
  if (!ticking_) schedule_tick();
}

void Room::do_leave(uint64_t connection_id) {
  remove_member(connection_id, "left", false);
}

void Room::remove_member(uint64_t connection_id, std::string_view reason, bool notify) {
  const auto it = members_.find(connection_id);
  if (it == members_.end()) return;
  Member& m = it->second;
  close_viewer_row(m);
  const size_t slot = m.slot;
  const size_t last = fanout_.size() - 1;
  if (slot != last) {
    fanout_[slot] = fanout_[last];
    fanout_ids_[slot] = fanout_ids_[last];
    members_.at(fanout_ids_[slot]).slot = slot;
  }
  fanout_.pop_back();
  fanout_ids_.pop_back();
  if (!m.privileged) --viewers_;
  if (notify) {
    m.conn->send(std::make_shared<const std::string>(events::left(stream_id_, reason, {})));
    if (m.removed) m.removed(reason);
  }
  members_.erase(it);
  ctx_.members.add(-1);
  if (members_.empty()) schedule_linger();
}

events::You Room::you(const Member& m) const {
  events::You y;
  const platform::Subject& s = m.sender.subject;
  if (m.identity) {
    y.user_id = m.identity->user_id;
    y.display_name = m.identity->display_name;
  }
  if (s.anonymous) {
    y.role = "anonymous";
  } else if (s.owner) {
    y.role = "owner";
  } else if (s.role == store::Role::kAdmin) {
    y.role = "admin";
  } else if (s.moderator) {
    y.role = "moderator";
  } else {
    y.role = "viewer";
  }
  const platform::Decision chat = rules_.may_chat(m.sender);
  y.can_chat = chat.allowed;
  y.chat_refusal = chat.reason;
  y.can_moderate = ctx_.policy.decide(s, rules_.facts(), platform::Action::kModerate).allowed;
  if (m.sender.timed_out_until && *m.sender.timed_out_until > ctx_.clock.unix_millis()) {
    y.timed_out_until = m.sender.timed_out_until;
  }
  return y;
}

// ---- presence ----

void Room::open_viewer_row(Member& m) {
  if (!stream_ || stream_->status != StreamStatus::kLive || m.viewer_row != 0) return;
  if (ctx_.analytics) {
    // The owner, admins and moderators are not viewers.
    if (m.privileged) return;
    platform::ViewerSource who;
    who.person_key = m.viewer_key;
    if (m.identity) {
      who.user_id = m.identity->user_id;
    } else {
      who.session_id = m.viewer_key.substr(5);
    }
    ctx_.analytics->presence_started(stream_id_, who, ctx_.clock.unix_millis());
    m.viewer_row = 1;  // counted
    return;
  }
  store::StreamViewer v;
  v.stream_id = stream_id_;
  if (m.identity) {
    v.user_id = m.identity->user_id;
  } else {
    v.session_id = m.viewer_key.substr(5);
  }
  v.joined_at = ctx_.clock.unix_millis();
  m.viewer_row = ctx_.writes.viewer_joined(v);
  unique_viewers_.insert(m.viewer_key);
  // Called as each member comes in while live (and for everyone at going live), so the peak
  // is exact between two ticks.
  peak_ = std::max(peak_, static_cast<int64_t>(members_.size()));
}

void Room::close_viewer_row(Member& m) {
  if (m.viewer_row == 0) return;
  if (ctx_.analytics) {
    ctx_.analytics->presence_ended(stream_id_, m.viewer_key, ctx_.clock.unix_millis());
    m.viewer_row = 0;
    return;
  }
  ctx_.writes.viewer_left(m.viewer_row, ctx_.clock.unix_millis());
  m.viewer_row = 0;
}

// ---- chat ----

void Room::do_chat(const std::shared_ptr<net::WebSocketConnection>& conn, const std::string& text,
                   const events::RequestId& request_id) {
  const auto it = members_.find(conn->id());
  if (it == members_.end()) {
    conn->send(std::make_shared<const std::string>(
        events::error("not_joined", "join a stream before chatting", request_id)));
    return;
  }
  Member& m = it->second;
  platform::ChatVerdict v = rules_.check_and_record(m.sender, text);
  if (!v.accepted) {
    ctx_.metrics
        .counter("stagecast_chat_refused_total", "Chat messages refused by the chat rules",
                 "reason=\"" + v.code + "\"")
        .inc();
    conn->send(std::make_shared<const std::string>(
        events::error(v.code, v.message, request_id, v.retry_after_ms)));
    return;
  }
  auto message = std::make_shared<store::ChatMessage>();
  message->id = random_id();
  message->stream_id = stream_id_;
  message->user_id = m.identity->user_id;
  message->display_name = m.identity->display_name;
  message->body = std::move(v.text);
  message->kind = store::ChatMessageKind::kText;
  message->created_at = ctx_.clock.unix_millis();

  RoomEvent event;
  event.kind = RoomEvent::Kind::kChat;
  event.wire = std::make_shared<const std::string>(events::chat(*message));
  event.message = message;
  // Live first: the broadcast never waits for the database.
  ctx_.bus.publish(stream_id_, event);
  ctx_.chat_messages.inc();
  if (ctx_.analytics)
    ctx_.analytics->chat_message(stream_id_, *message->user_id, message->created_at);
  if (!request_id || !ctx_.options.ack_when_stored) {
    ctx_.writes.append_chat(*message);
    if (request_id) {
      conn->send(std::make_shared<const std::string>(events::ack("chat", request_id, message->id)));
    }
    return;
  }
  // The ack waits for the write: told on the queue's worker, sent from there (send is
  // thread-safe), to the connection if it is still open.
  std::weak_ptr<net::WebSocketConnection> weak = conn;
  const bool queued = ctx_.writes.append_chat(
      *message, [weak, request_id, id = message->id](bool stored) {
        auto c = weak.lock();
        if (!c) return;
        c->send(std::make_shared<const std::string>(
            stored ? events::ack("chat", request_id, id)
                   : events::error("not_stored", "shown live, but could not be stored",
                                   request_id)));
      });
  if (!queued) {
    conn->send(std::make_shared<const std::string>(
        events::error("not_stored", "shown live, but could not be stored", request_id)));
  }
}

// ---- events from the bus ----

void Room::apply(const RoomEvent& e) {
  if (stopped_) return;
  using Kind = RoomEvent::Kind;
  const auto for_user = [this](const std::string& user_id, auto&& fn) {
    for (auto& [id, m] : members_) {
      if (m.identity && m.identity->user_id == user_id) fn(m);
    }
  };
  switch (e.kind) {
    case Kind::kChat:
      history_.push_back(*e.message);
      while (history_.size() > static_cast<size_t>(platform::kJoinHistoryMessages)) {
        history_.pop_front();
      }
      history_dirty_ = true;
      break;
    case Kind::kMessageDeleted: {
      const auto before = history_.size();
      std::erase_if(history_, [&](const store::ChatMessage& m) { return m.id == e.message_id; });
      history_dirty_ = history_dirty_ || history_.size() != before;
      break;
    }
    case Kind::kUserTimedOut:
      for_user(e.user_id, [&](Member& m) { m.sender.timed_out_until = e.until_ms; });
      remove_history_of(e.user_id);
      break;
    case Kind::kUserBanned: {
      std::vector<uint64_t> gone;
      for_user(e.user_id, [&](Member& m) { gone.push_back(m.conn->id()); });
      for (const uint64_t id : gone) remove_member(id, "banned", true);
      remove_history_of(e.user_id);
      break;
    }
    case Kind::kAccessRevoked: {
      // Only the member hears of it (`left` with reason ticket_revoked); the room is not told.
      std::vector<uint64_t> gone;
      for_user(e.user_id, [&](Member& m) {
        if (!m.sender.subject.owner && !m.sender.subject.moderator &&
            m.sender.subject.role != store::Role::kAdmin) {
          gone.push_back(m.conn->id());
        }
      });
      for (const uint64_t id : gone) remove_member(id, "ticket_revoked", true);
      break;
    }
    case Kind::kUserUnbanned:
      for_user(e.user_id, [](Member& m) {
        m.sender.timed_out_until.reset();
        m.sender.subject.banned = false;
        m.sender.subject.timed_out = false;
      });
      break;
    case Kind::kModeratorAdded:
    case Kind::kModeratorRemoved:
      for_user(e.user_id,
               [&](Member& m) { m.sender.subject.moderator = e.kind == Kind::kModeratorAdded; });
      break;
    case Kind::kStreamChanged: {
      const bool was_live = stream_ && stream_->status == StreamStatus::kLive;
      stream_ = *e.stream;
      rules_.set_stream(*stream_);
      const bool live = stream_->status == StreamStatus::kLive;
      if (!was_live && live) {
        for (auto& [id, m] : members_) open_viewer_row(m);
      } else if (was_live && !live) {
        for (auto& [id, m] : members_) close_viewer_row(m);
        ctx_.writes.viewer_stats(stream_id_, peak_, static_cast<int64_t>(unique_viewers_.size()));
      }
      break;
    }
  }
  if (e.wire) enqueue(e.wire);
}

void Room::remove_history_of(const std::string& user_id) {
  const auto before = history_.size();
  std::erase_if(history_, [&](const store::ChatMessage& m) { return m.user_id == user_id; });
  history_dirty_ = history_dirty_ || history_.size() != before;
}

void Room::install_history(std::vector<store::ChatMessage> loaded) {
  // Messages that arrived live before the store answered are newer than what it returned.
  std::deque<store::ChatMessage> merged(loaded.begin(), loaded.end());
  for (auto& m : history_) {
    const bool known = std::any_of(loaded.begin(), loaded.end(),
                                   [&](const store::ChatMessage& l) { return l.id == m.id; });
    if (!known) merged.push_back(std::move(m));
  }
  while (merged.size() > static_cast<size_t>(platform::kJoinHistoryMessages)) merged.pop_front();
  history_ = std::move(merged);
  history_dirty_ = true;
  history_loaded_.store(true, std::memory_order_release);
}

const std::string& Room::history_json() {
  if (history_dirty_) {
    history_json_ = events::history_array(history_);
    history_dirty_ = false;
  }
  return history_json_;
}

// ---- fan-out ----

void Room::enqueue(std::shared_ptr<const std::string> wire) {
  outbox_.push_back(std::move(wire));
  schedule_flush();
}

// Flushes at once when the room is idle; while the sends of the previous flush are still being
// issued, or for as long as they took (at most max_flush_pause), events gather into one batch.
// So a quiet room adds no delay, and a room at its thread's limit sends ever larger batches
// instead of falling further behind (one write per member per flush, whatever the chat rate).
void Room::schedule_flush() {
  if (flush_posted_ || flush_timer_armed_ || flushing_ || outbox_.empty()) return;
  const auto now = std::chrono::steady_clock::now();
  if (!ctx_.options.batch_events || now >= next_flush_at_) {
    flush_posted_ = true;
    asio::post(home_, [self = shared_from_this()] { self->flush(); });
    return;
  }
  flush_timer_armed_ = true;
  flush_timer_.expires_at(next_flush_at_);
  flush_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    self->flush_timer_armed_ = false;
    if (ec || self->stopped_) return;
    self->flush();
  });
}

void Room::flush() {
  flush_posted_ = false;
  if (outbox_.empty()) return;
  const auto members = static_cast<uint64_t>(fanout_.size());
  if (members > 0) {
    const auto started = std::chrono::steady_clock::now();
    if (outbox_.size() == 1 || !ctx_.options.batch_events) {
      for (const auto& event : outbox_) {
        for (net::WebSocketConnection* c : fanout_) c->send(event);
      }
      ctx_.frames.inc(members * outbox_.size());
    } else {
      // Batches stay well under a socket's queue limit so that one never trips it alone.
      size_t first = 0;
      while (first < outbox_.size()) {
        size_t last = first;
        size_t bytes = 0;
        while (last < outbox_.size() &&
               (last == first || bytes + outbox_[last]->size() <= ctx_.options.max_batch_bytes)) {
          bytes += outbox_[last++]->size();
        }
        const std::vector<std::shared_ptr<const std::string>> part(outbox_.begin() + first,
                                                                   outbox_.begin() + last);
        const auto frame = std::make_shared<const std::string>(
            part.size() == 1 ? *part.front() : events::batch(part));
        for (net::WebSocketConnection* c : fanout_) c->send(frame);
        ctx_.frames.inc(members);
        first = last;
      }
    }
    ctx_.deliveries.inc(members * outbox_.size());
    if (ctx_.options.batch_events) {
      // Runs after the sends just queued on this thread: measures what the flush cost.
      flushing_ = true;
      asio::post(home_, [self = shared_from_this(), started] {
        const auto now = std::chrono::steady_clock::now();
        self->next_flush_at_ = now + std::min<std::chrono::steady_clock::duration>(
                                         now - started, self->ctx_.options.max_flush_pause);
        self->flushing_ = false;
        self->schedule_flush();
      });
    }
  }
  outbox_.clear();
}

// ---- timers ----

void Room::schedule_tick() {
  ticking_ = true;
  tick_timer_.expires_after(ctx_.options.viewer_count_interval);
  tick_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->stopped_) {
      self->ticking_ = false;
      return;
    }
    self->tick();
  });
}

// Viewer counts go out at most once per interval and only when they changed; peak and unique
// viewers of a live stream are written behind, coalesced.
void Room::tick() {
  auto count = static_cast<int64_t>(members_.size());
  if (ctx_.analytics) {
    // People watching, by HLS or here, counted once each (docs/analytics.md).
    if (auto watching = ctx_.analytics->viewers_now(stream_id_)) count = *watching;
    push_analytics();
  }
  if (ctx_.remote_viewers) count += ctx_.remote_viewers(stream_id_);
  if (count != last_count_sent_) {
    last_count_sent_ = count;
    enqueue(std::make_shared<const std::string>(events::viewers(stream_id_, count)));
  }
  if (!ctx_.analytics && stream_ && stream_->status == StreamStatus::kLive &&
      (peak_ > peak_recorded_ || unique_viewers_.size() > unique_recorded_)) {
    peak_recorded_ = peak_;
    unique_recorded_ = unique_viewers_.size();
    ctx_.writes.viewer_stats(stream_id_, peak_recorded_, static_cast<int64_t>(unique_recorded_));
  }
  if (++ticks_ % 60 == 0) rules_.prune();
  if (members_.empty()) {
    ticking_ = false;
    return;
  }
  schedule_tick();
}

// The owner's live figures: the JSON analytics made at its last tick, sent when it changed and
// at most once per analytics_interval, to the owner and admins only.
void Room::push_analytics() {
  const auto now = std::chrono::steady_clock::now();
  if (now - analytics_at_ < ctx_.options.analytics_interval) return;
  auto json = ctx_.analytics->live_json(stream_id_);
  if (!json || json == analytics_sent_) return;
  analytics_at_ = now;
  analytics_sent_ = json;
  auto wire = std::make_shared<const std::string>(events::analytics(stream_id_, *json));
  for (auto& [id, m] : members_) {
    const platform::Subject& s = m.sender.subject;
    if (s.owner || (!s.anonymous && s.role == store::Role::kAdmin)) m.conn->send(wire);
  }
}

void Room::schedule_linger() {
  if (lingering_ || stopped_) return;
  lingering_ = true;
  linger_timer_.expires_after(ctx_.options.linger);
  linger_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || !self->lingering_ || self->stopped_) return;
    self->lingering_ = false;
    if (self->members_.empty() && self->pending_joins() == 0) self->ctx_.on_idle(self->stream_id_);
  });
}

}  // namespace stagecast::realtime
