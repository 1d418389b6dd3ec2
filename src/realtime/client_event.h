#pragma once
// The events a client sends on /ws (docs/realtime.md, "Client events"): one JSON object per
// WebSocket text message, with a "type" and, optionally, a "requestId" the server echoes in its
// reply. Parsing is strict: every field must be one the type knows, with the declared type and
// bounds, so that a typo is an error the client sees rather than a silently ignored setting.
// Never throws on bad input.
//
// Error codes: invalid_json (not JSON, not an object, nested more than 8 levels),
// invalid_event (a field missing, unknown, of the wrong type or out of bounds),
// unknown_type (a "type" this server does not know).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/result.h"

namespace stagecast::realtime {

struct AuthEvent {
  std::string token;
};
struct JoinEvent {
  std::string stream_id;
};
struct LeaveEvent {};
struct ChatEvent {
  std::string text;  // checked by the chat rules, not here
};
struct PingEvent {};
struct DeleteMessageEvent {
  std::string message_id;
  std::optional<std::string> reason;
};
struct TimeoutEvent {
  std::string user_id;
  int64_t seconds = 0;
  std::optional<std::string> reason;
};
struct BanEvent {
  std::string user_id;
  std::optional<std::string> reason;
};
struct UnbanEvent {
  std::string user_id;
  std::optional<std::string> reason;
};
struct AppointModeratorEvent {
  std::string user_id;
};
struct RemoveModeratorEvent {
  std::string user_id;
};

using ClientEvent =
    std::variant<AuthEvent, JoinEvent, LeaveEvent, ChatEvent, PingEvent, DeleteMessageEvent,
                 TimeoutEvent, BanEvent, UnbanEvent, AppointModeratorEvent, RemoveModeratorEvent>;

// Bounds of the fields (bytes).
inline constexpr size_t kMaxTokenBytes = 8192;
inline constexpr size_t kMaxChatTextBytes = 4096;  // the chat rules count characters later
inline constexpr size_t kMaxReasonBytes = 2000;
inline constexpr size_t kMaxRequestIdBytes = 64;
inline constexpr size_t kMaxIdBytes = 128;
inline constexpr int kMaxJsonDepth = 8;

struct ParsedClientEvent {
  // Echoed in the reply, also when the event itself is refused (if it could be read).
  std::optional<std::string> request_id;
  Result<ClientEvent> event;
};

ParsedClientEvent parse_client_event(std::string_view text);

// The wire name of an event's type ("chat", "delete_message", ...).
std::string_view event_type_name(const ClientEvent& event);

}  // namespace stagecast::realtime
