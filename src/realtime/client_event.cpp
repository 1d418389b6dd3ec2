#include "realtime/client_event.h"

#include <nlohmann/json.hpp>
#include <set>

#include "net/strict_json.h"

namespace stagecast::realtime {

namespace {

using nlohmann::json;

Error invalid(std::string message) {
  return make_error("invalid_event", std::move(message));
}

// Deeply nested input would only cost stack and time further down; nothing valid nests deeper
// than 2 levels.
bool nests_too_deep(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxJsonDepth) return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

bool id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == ':';
}

// Reads the fields of one event object, remembering which were used so that unknown ones can be
// refused.
class Fields {
 public:
  explicit Fields(const json& object) : object_(object) {}

  Result<std::string> string(const char* name, size_t max_bytes, bool required = true) {
    used_.insert(name);
    const auto it = object_.find(name);
    if (it == object_.end() || it->is_null()) {
      if (required) return invalid(std::string("'") + name + "' is required");
      return std::string();
    }
    if (!it->is_string()) return invalid(std::string("'") + name + "' must be a string");
    const auto& s = it->get_ref<const std::string&>();
    if (s.size() > max_bytes) {
      return invalid(std::string("'") + name + "' is longer than " + std::to_string(max_bytes) +
                     " bytes");
    }
    return s;
  }

  Result<std::optional<std::string>> optional_string(const char* name, size_t max_bytes) {
    if (!object_.contains(name) || object_.at(name).is_null()) {
      used_.insert(name);
      return std::optional<std::string>{};
    }
    auto s = string(name, max_bytes);
    if (!s) return s.error();
    return std::optional<std::string>(std::move(s).value());
  }

  // An id: 1..128 of letters, digits and _ - . : (stream, message and user ids).
  Result<std::string> id(const char* name) {
    auto s = string(name, kMaxIdBytes);
    if (!s) return s;
    if (s->empty()) return invalid(std::string("'") + name + "' must not be empty");
    for (const char c : *s) {
      if (!id_char(c)) return invalid(std::string("'") + name + "' is not a valid id");
    }
    return s;
  }

  Result<int64_t> integer(const char* name) {
    used_.insert(name);
    const auto it = object_.find(name);
    if (it == object_.end()) return invalid(std::string("'") + name + "' is required");
    if (!it->is_number_integer()) {
      return invalid(std::string("'") + name + "' must be an integer");
    }
    if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      return invalid(std::string("'") + name + "' is out of range");
    }
    return it->get<int64_t>();
  }

  Result<void> no_others() const {
    for (const auto& [key, value] : object_.items()) {
      if (!used_.contains(key)) return invalid("unknown field '" + key + "'");
    }
    return ok_result();
  }

 private:
  const json& object_;
  std::set<std::string> used_{"type", "requestId"};
};

template <typename T>
Result<ClientEvent> finish(Fields& f, T event) {
  if (auto r = f.no_others(); !r) return r.error();
  return ClientEvent(std::move(event));
}

Result<ClientEvent> parse_body(const std::string& type, Fields& f) {
  if (type == "auth") {
    auto token = f.string("token", kMaxTokenBytes);
    if (!token) return token.error();
    return finish(f, AuthEvent{std::move(token).value()});
  }
  if (type == "join") {
    auto id = f.id("streamId");
    if (!id) return id.error();
    return finish(f, JoinEvent{std::move(id).value()});
  }
  if (type == "leave") return finish(f, LeaveEvent{});
  if (type == "ping") return finish(f, PingEvent{});
  if (type == "chat") {
    auto text = f.string("text", kMaxChatTextBytes);
    if (!text) return text.error();
    return finish(f, ChatEvent{std::move(text).value()});
  }
  if (type == "delete_message") {
    auto id = f.id("messageId");
    if (!id) return id.error();
    auto reason = f.optional_string("reason", kMaxReasonBytes);
    if (!reason) return reason.error();
    return finish(f, DeleteMessageEvent{std::move(id).value(), std::move(reason).value()});
  }
  if (type == "timeout") {
    auto user = f.id("userId");
    if (!user) return user.error();
    auto seconds = f.integer("seconds");
    if (!seconds) return seconds.error();
    auto reason = f.optional_string("reason", kMaxReasonBytes);
    if (!reason) return reason.error();
    return finish(f, TimeoutEvent{std::move(user).value(), *seconds, std::move(reason).value()});
  }
  if (type == "ban" || type == "unban") {
    auto user = f.id("userId");
    if (!user) return user.error();
    auto reason = f.optional_string("reason", kMaxReasonBytes);
    if (!reason) return reason.error();
    if (type == "ban")
      return finish(f, BanEvent{std::move(user).value(), std::move(reason).value()});
    return finish(f, UnbanEvent{std::move(user).value(), std::move(reason).value()});
  }
  if (type == "appoint_moderator" || type == "remove_moderator") {
    auto user = f.id("userId");
    if (!user) return user.error();
    if (type == "appoint_moderator")
      return finish(f, AppointModeratorEvent{std::move(user).value()});
    return finish(f, RemoveModeratorEvent{std::move(user).value()});
  }
  return make_error("unknown_type", "unknown event type");
}

}  // namespace

ParsedClientEvent parse_client_event(std::string_view text) {
  ParsedClientEvent out{std::nullopt, make_error("invalid_json", "the message is not JSON")};
  if (nests_too_deep(text)) {
    out.event = make_error("invalid_json", "the message nests too deeply");
    return out;
  }
  auto parsed = net::parse_strict_json(text, kMaxJsonDepth);
  if (parsed.error == net::StrictJsonError::DuplicateKey) {
    out.event = make_error("invalid_json", "a key appears twice in one JSON object");
    return out;
  }
  if (parsed.error != net::StrictJsonError::None) return out;
  const json doc = std::move(parsed.value);
  if (!doc.is_object()) {
    out.event = make_error("invalid_json", "an event is a JSON object");
    return out;
  }
  if (const auto rid = doc.find("requestId"); rid != doc.end()) {
    if (!rid->is_string() || rid->get_ref<const std::string&>().empty() ||
        rid->get_ref<const std::string&>().size() > kMaxRequestIdBytes) {
      out.event = invalid("'requestId' must be a string of 1 to 64 bytes");
      return out;
    }
    out.request_id = rid->get<std::string>();
  }
  const auto type = doc.find("type");
  if (type == doc.end() || !type->is_string()) {
    out.event = invalid("'type' is required and must be a string");
    return out;
  }
  Fields fields(doc);
  out.event = parse_body(type->get<std::string>(), fields);
  return out;
}

std::string_view event_type_name(const ClientEvent& event) {
  struct Name {
    std::string_view operator()(const AuthEvent&) const { return "auth"; }
    std::string_view operator()(const JoinEvent&) const { return "join"; }
    std::string_view operator()(const LeaveEvent&) const { return "leave"; }
    std::string_view operator()(const ChatEvent&) const { return "chat"; }
    std::string_view operator()(const PingEvent&) const { return "ping"; }
    std::string_view operator()(const DeleteMessageEvent&) const { return "delete_message"; }
    std::string_view operator()(const TimeoutEvent&) const { return "timeout"; }
    std::string_view operator()(const BanEvent&) const { return "ban"; }
    std::string_view operator()(const UnbanEvent&) const { return "unban"; }
    std::string_view operator()(const AppointModeratorEvent&) const { return "appoint_moderator"; }
    std::string_view operator()(const RemoveModeratorEvent&) const { return "remove_moderator"; }
  };
  return std::visit(Name{}, event);
}

}  // namespace stagecast::realtime
