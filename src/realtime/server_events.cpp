#include "realtime/server_events.h"

#include <nlohmann/json.hpp>

#include "platform/notification_view.h"

namespace stagecast::realtime::events {

namespace {

using nlohmann::json;

// Text from users may hold anything; never let serialisation throw on it.
std::string wire(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json with_request(json j, const RequestId& request_id) {
  if (request_id) j["requestId"] = *request_id;
  return j;
}

json optional_json(const std::optional<int64_t>& v) {
  return v ? json(*v) : json(nullptr);
}

json chat_settings_json(const store::LiveStream& s) {
  return {{"enabled", s.chat_enabled},
          {"subscribersOnly", s.chat_subscribers_only},
          {"slowModeSeconds", s.chat_slow_mode_seconds}};
}

json message_json(const store::ChatMessage& m) {
  return {{"id", m.id},
          {"streamId", m.stream_id},
          {"userId", m.user_id ? json(*m.user_id) : json(nullptr)},
          {"displayName", m.display_name},
          {"text", m.body},
          {"kind", store::to_string(m.kind)},
          {"createdAt", m.created_at}};
}

}  // namespace

std::string hello(const HelloInfo& info) {
  return wire(
      {{"type", "hello"},
       {"protocol", info.protocol},
       {"authTimeoutMs", info.auth_timeout_ms},
       {"anonymousAllowed", info.anonymous_allowed},
       {"limits",
        {{"maxMessageChars", info.max_message_chars}, {"maxFrameBytes", info.max_frame_bytes}}}});
}

std::string error(std::string_view code, std::string_view message, const RequestId& request_id,
                  int64_t retry_after_ms) {
  json e = {{"code", code}, {"message", message}};
  if (retry_after_ms > 0) e["retryAfterMs"] = retry_after_ms;
  return wire(with_request({{"type", "error"}, {"error", std::move(e)}}, request_id));
}

std::string authenticated(const platform::Identity& user, const RequestId& request_id) {
  return wire(with_request({{"type", "authenticated"},
                            {"user",
                             {{"id", user.user_id},
                              {"displayName", user.display_name},
                              {"role", store::to_string(user.role)}}}},
                           request_id));
}

std::string notification(const store::Notification& n) {
  return wire({{"type", "notification"}, {"notification", platform::notification_json(n)}});
}

std::string pong(const RequestId& request_id) {
  return wire(with_request({{"type", "pong"}}, request_id));
}

std::string ack(std::string_view action, const RequestId& request_id, std::string_view message_id) {
  json j = {{"type", "ack"}, {"action", action}};
  if (!message_id.empty()) j["messageId"] = message_id;
  return wire(with_request(std::move(j), request_id));
}

std::string message_object(const store::ChatMessage& m) {
  return wire(message_json(m));
}

std::string chat(const store::ChatMessage& m) {
  return wire({{"type", "chat"}, {"message", message_json(m)}});
}

std::string history_array(const std::deque<store::ChatMessage>& messages) {
  std::string out = "[";
  for (const auto& m : messages) {
    if (out.size() > 1) out += ',';
    out += message_object(m);
  }
  out += ']';
  return out;
}

std::string joined(const store::LiveStream& stream, size_t max_message_chars, const You& you,
                   const std::string& history_array, int64_t viewers, const RequestId& request_id) {
  json chat = chat_settings_json(stream);
  chat["maxMessageChars"] = max_message_chars;
  json me = {{"userId", you.user_id ? json(*you.user_id) : json(nullptr)},
             {"displayName", you.display_name},
             {"role", you.role},
             {"canChat", you.can_chat},
             {"chatRefusal", you.can_chat ? json(nullptr) : json(you.chat_refusal)},
             {"canModerate", you.can_moderate},
             {"timedOutUntil", optional_json(you.timed_out_until)}};
  json j = {{"type", "joined"},
            {"stream",
             {{"id", stream.id},
              {"artistId", stream.artist_id},
              {"title", stream.title},
              {"status", store::to_string(stream.status)},
              {"visibility", store::to_string(stream.visibility)},
              {"startedAt", optional_json(stream.started_at)},
              {"chat", std::move(chat)}}},
            {"you", std::move(me)},
            {"viewers", viewers}};
  // The history goes in already serialised (the room caches it for every joiner), as the last
  // member of the object.
  std::string text = wire(with_request(std::move(j), request_id));
  text.pop_back();  // '}'
  text.reserve(text.size() + history_array.size() + 12);
  text += ",\"history\":";
  text += history_array;
  text += '}';
  return text;
}

std::string left(const std::string& stream_id, std::string_view reason,
                 const RequestId& request_id) {
  return wire(
      with_request({{"type", "left"}, {"streamId", stream_id}, {"reason", reason}}, request_id));
}

std::string message_deleted(const std::string& stream_id, const std::string& message_id) {
  return wire({{"type", "message_deleted"}, {"streamId", stream_id}, {"messageId", message_id}});
}

std::string messages_cleared(const std::string& stream_id, const std::string& user_id) {
  return wire({{"type", "messages_cleared"}, {"streamId", stream_id}, {"userId", user_id}});
}

std::string user_timed_out(const std::string& stream_id, const std::string& user_id,
                           int64_t until_ms) {
  return wire({{"type", "user_timed_out"},
               {"streamId", stream_id},
               {"userId", user_id},
               {"until", until_ms}});
}

std::string user_banned(const std::string& stream_id, const std::string& user_id) {
  return wire({{"type", "user_banned"}, {"streamId", stream_id}, {"userId", user_id}});
}

std::string user_unbanned(const std::string& stream_id, const std::string& user_id) {
  return wire({{"type", "user_unbanned"}, {"streamId", stream_id}, {"userId", user_id}});
}

std::string moderator(const std::string& stream_id, const std::string& user_id, bool added) {
  return wire({{"type", added ? "moderator_added" : "moderator_removed"},
               {"streamId", stream_id},
               {"userId", user_id}});
}

std::string viewers(const std::string& stream_id, int64_t count) {
  return wire({{"type", "viewers"}, {"streamId", stream_id}, {"count", count}});
}

std::string analytics(const std::string& stream_id, const std::string& figures_json) {
  // The figures are spliced in as they are (valid JSON made by nlohmann), not parsed again.
  return R"({"type":"analytics","streamId":)" + nlohmann::json(stream_id).dump() +
         R"(,"analytics":)" + figures_json + "}";
}

std::string stream_status(const store::LiveStream& stream) {
  return wire({{"type", "stream_status"},
               {"streamId", stream.id},
               {"status", store::to_string(stream.status)},
               {"startedAt", optional_json(stream.started_at)},
               {"endedAt", optional_json(stream.ended_at)},
               {"endReason", stream.end_reason ? json(*stream.end_reason) : json(nullptr)}});
}

std::string chat_settings(const store::LiveStream& stream) {
  return wire(
      {{"type", "chat_settings"}, {"streamId", stream.id}, {"chat", chat_settings_json(stream)}});
}

std::string batch(const std::vector<std::shared_ptr<const std::string>>& events) {
  size_t size = 32;
  for (const auto& e : events) size += e->size() + 1;
  std::string out;
  out.reserve(size);
  out += R"({"type":"batch","events":[)";
  for (size_t i = 0; i < events.size(); ++i) {
    if (i) out += ',';
    out += *events[i];
  }
  out += "]}";
  return out;
}

}  // namespace stagecast::realtime::events
