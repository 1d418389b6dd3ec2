#include "realtime/room_event_codec.h"

#include <array>
#include <nlohmann/json.hpp>
#include <utility>

namespace stagecast::realtime {
namespace {

using json = nlohmann::json;
using Kind = RoomEvent::Kind;

constexpr std::array<std::pair<Kind, std::string_view>, 9> kKinds{{
    {Kind::kChat, "chat"},
    {Kind::kMessageDeleted, "message_deleted"},
    {Kind::kUserTimedOut, "user_timed_out"},
    {Kind::kUserBanned, "user_banned"},
    {Kind::kUserUnbanned, "user_unbanned"},
    {Kind::kModeratorAdded, "moderator_added"},
    {Kind::kModeratorRemoved, "moderator_removed"},
    {Kind::kStreamChanged, "stream_changed"},
    {Kind::kAccessRevoked, "access_revoked"},
}};

Error bad(std::string_view why) {
  return make_error("invalid_event", "room event from the bus: " + std::string(why));
}

template <typename T>
void put_optional(json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}

json message_json(const store::ChatMessage& m) {
  json j{{"id", m.id},
         {"streamId", m.stream_id},
         {"displayName", m.display_name},
         {"body", m.body},
         {"kind", store::to_string(m.kind)},
         {"createdAt", m.created_at},
         {"moderated", m.moderated},
         {"seq", m.seq}};
  put_optional(j, "userId", m.user_id);
  put_optional(j, "tipId", m.tip_id);
  put_optional(j, "moderatedBy", m.moderated_by);
  put_optional(j, "moderatedAt", m.moderated_at);
  return j;
}

json stream_json(const store::LiveStream& s) {
  json j{{"id", s.id},
         {"artistId", s.artist_id},
         {"title", s.title},
         {"description", s.description},
         {"visibility", store::to_string(s.visibility)},
         {"minTier", s.min_tier},
         {"priceCents", s.price_cents},
         {"currency", s.currency},
         {"chatEnabled", s.chat_enabled},
         {"chatSubscribersOnly", s.chat_subscribers_only},
         {"chatSlowModeSeconds", s.chat_slow_mode_seconds},
         {"chatBlockedWords", s.chat_blocked_words},
         {"record", s.record},
         {"transcode", s.transcode},
         {"status", store::to_string(s.status)},
         {"streamKeyRotatedAt", s.stream_key_rotated_at},
         {"peakViewers", s.peak_viewers},
         {"totalViewers", s.total_viewers},
         {"tipCount", s.tip_count},
         {"tipGrossCents", s.tip_gross_cents},
         {"tipFeeCents", s.tip_fee_cents},
         {"chatMessageCount", s.chat_message_count},
         {"createdAt", s.created_at},
         {"updatedAt", s.updated_at}};
  put_optional(j, "scheduledAt", s.scheduled_at);
  put_optional(j, "startedAt", s.started_at);
  put_optional(j, "endedAt", s.ended_at);
  put_optional(j, "endReason", s.end_reason);
  put_optional(j, "deletedAt", s.deleted_at);
  put_optional(j, "recordingUrl", s.recording_url);
  return j;
}

// Typed readers: false when the member is present with the wrong type (or missing and required).
class Reader {
 public:
  explicit Reader(const json& j) : j_(j) {}
  bool ok() const { return ok_; }
  const std::string& why() const { return why_; }

  void str(const char* key, std::string& out, bool required = true) {
    const auto it = j_.find(key);
    if (it == j_.end()) return missing(key, required);
    if (!it->is_string()) return wrong(key);
    out = it->get<std::string>();
  }
  void str(const char* key, std::optional<std::string>& out) {
    const auto it = j_.find(key);
    if (it == j_.end()) return;
    if (!it->is_string()) return wrong(key);
    out = it->get<std::string>();
  }
  template <typename I>
  void integer(const char* key, I& out, bool required = true) {
    const auto it = j_.find(key);
    if (it == j_.end()) return missing(key, required);
    if (!it->is_number_integer()) return wrong(key);
    out = static_cast<I>(it->get<int64_t>());
  }
  void integer(const char* key, std::optional<int64_t>& out) {
    const auto it = j_.find(key);
    if (it == j_.end()) return;
    if (!it->is_number_integer()) return wrong(key);
    out = it->get<int64_t>();
  }
  void boolean(const char* key, bool& out) {
    const auto it = j_.find(key);
    if (it == j_.end()) return missing(key, true);
    if (!it->is_boolean()) return wrong(key);
    out = it->get<bool>();
  }
  void strings(const char* key, std::vector<std::string>& out) {
    const auto it = j_.find(key);
    if (it == j_.end()) return missing(key, true);
    if (!it->is_array()) return wrong(key);
    for (const auto& e : *it) {
      if (!e.is_string()) return wrong(key);
      out.push_back(e.get<std::string>());
    }
  }
  template <typename E>
  void named(const char* key, E& out, std::optional<E> (*parse)(std::string_view)) {
    std::string s;
    str(key, s);
    if (!ok_) return;
    const auto v = parse(s);
    if (!v) return wrong(key);
    out = *v;
  }

 private:
  void missing(const char* key, bool required) {
    if (required && ok_) {
      ok_ = false;
      why_ = std::string("missing ") + key;
    }
  }
  void wrong(const char* key) {
    if (ok_) {
      ok_ = false;
      why_ = std::string("bad ") + key;
    }
  }
  const json& j_;
  bool ok_ = true;
  std::string why_;
};

Result<store::ChatMessage> read_message(const json& j) {
  if (!j.is_object()) return bad("message is not an object");
  store::ChatMessage m;
  Reader r(j);
  r.str("id", m.id);
  r.str("streamId", m.stream_id);
  r.str("userId", m.user_id);
  r.str("displayName", m.display_name);
  r.str("body", m.body);
  r.named("kind", m.kind, &store::parse_chat_message_kind);
  r.str("tipId", m.tip_id);
  r.integer("createdAt", m.created_at);
  r.boolean("moderated", m.moderated);
  r.str("moderatedBy", m.moderated_by);
  r.integer("moderatedAt", m.moderated_at);
  r.integer("seq", m.seq);
  if (!r.ok()) return bad("message: " + r.why());
  return m;
}

Result<store::LiveStream> read_stream(const json& j) {
  if (!j.is_object()) return bad("live is not an object");
  store::LiveStream s;
  Reader r(j);
  r.str("id", s.id);
  r.str("artistId", s.artist_id);
  r.str("title", s.title);
  r.str("description", s.description);
  r.named("visibility", s.visibility, &store::parse_visibility);
  r.integer("minTier", s.min_tier);
  r.integer("priceCents", s.price_cents);
  r.str("currency", s.currency);
  r.boolean("chatEnabled", s.chat_enabled);
  r.boolean("chatSubscribersOnly", s.chat_subscribers_only);
  r.integer("chatSlowModeSeconds", s.chat_slow_mode_seconds);
  r.strings("chatBlockedWords", s.chat_blocked_words);
  r.boolean("record", s.record);
  r.boolean("transcode", s.transcode);
  r.named("status", s.status, &store::parse_stream_status);
  r.integer("streamKeyRotatedAt", s.stream_key_rotated_at);
  r.integer("peakViewers", s.peak_viewers);
  r.integer("totalViewers", s.total_viewers);
  r.integer("tipCount", s.tip_count);
  r.integer("tipGrossCents", s.tip_gross_cents);
  r.integer("tipFeeCents", s.tip_fee_cents);
  r.integer("chatMessageCount", s.chat_message_count);
  r.integer("createdAt", s.created_at);
  r.integer("updatedAt", s.updated_at);
  r.integer("scheduledAt", s.scheduled_at);
  r.integer("startedAt", s.started_at);
  r.integer("endedAt", s.ended_at);
  r.str("endReason", s.end_reason);
  r.integer("deletedAt", s.deleted_at);
  r.str("recordingUrl", s.recording_url);
  if (!r.ok()) return bad("live: " + r.why());
  return s;
}

}  // namespace

std::string encode_room_event(std::string_view node, std::string_view stream_id,
                              const RoomEvent& e) {
  json j{{"v", 1}, {"node", node}, {"stream", stream_id}};
  for (const auto& [kind, name] : kKinds) {
    if (kind == e.kind) j["kind"] = name;
  }
  if (e.wire) j["wire"] = *e.wire;
  if (e.message) j["message"] = message_json(*e.message);
  if (e.stream) j["live"] = stream_json(*e.stream);
  if (!e.user_id.empty()) j["user"] = e.user_id;
  if (!e.message_id.empty()) j["messageId"] = e.message_id;
  if (e.until_ms != 0) j["until"] = e.until_ms;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<NodeRoomEvent> decode_room_event(std::string_view bytes) {
  if (bytes.size() > kMaxRoomEventBytes) return bad("too large");
  const json j = json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  NodeRoomEvent out;
  Reader r(j);
  int version = 0;
  r.integer("v", version);
  if (r.ok() && version != 1) return bad("unknown version");
  r.str("node", out.node);
  r.str("stream", out.stream_id);
  std::string kind;
  r.str("kind", kind);
  RoomEvent& e = out.event;
  r.str("user", e.user_id, false);
  r.str("messageId", e.message_id, false);
  r.integer("until", e.until_ms, false);
  std::optional<std::string> wire;
  r.str("wire", wire);
  if (!r.ok()) return bad(r.why());
  if (out.node.empty() || out.stream_id.empty()) return bad("no node or stream");
  bool known = false;
  for (const auto& [k, name] : kKinds) {
    if (name == kind) {
      e.kind = k;
      known = true;
    }
  }
  if (!known) return bad("unknown kind");
  if (wire) e.wire = std::make_shared<const std::string>(std::move(*wire));
  if (const auto it = j.find("message"); it != j.end()) {
    auto m = read_message(*it);
    if (!m) return m.error();
    if (m->stream_id != out.stream_id) return bad("message of another stream");
    e.message = std::make_shared<const store::ChatMessage>(std::move(*m));
  }
  if (const auto it = j.find("live"); it != j.end()) {
    auto s = read_stream(*it);
    if (!s) return s.error();
    if (s->id != out.stream_id) return bad("another stream's record");
    e.stream = std::make_shared<const store::LiveStream>(std::move(*s));
  }
  // What Room::apply relies on for each kind.
  switch (e.kind) {
    case Kind::kChat:
      if (!e.message) return bad("chat without message");
      break;
    case Kind::kMessageDeleted:
      if (e.message_id.empty()) return bad("message_deleted without messageId");
      break;
    case Kind::kStreamChanged:
      if (!e.stream) return bad("stream_changed without live");
      break;
    default:
      if (e.user_id.empty()) return bad("no user");
  }
  return out;
}

}  // namespace stagecast::realtime
