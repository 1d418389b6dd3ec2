#pragma once
// The events the server sends on /ws (docs/realtime.md, "Server events"), each serialised once
// into the bytes that go on the wire. Room events are built once per event and the same string is
// written to every member's socket.

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/identity.h"
#include "store/records.h"

namespace stagecast::realtime::events {

using RequestId = std::optional<std::string>;

struct HelloInfo {
  int protocol = 1;
  int64_t auth_timeout_ms = 0;
  size_t max_message_chars = 0;
  size_t max_frame_bytes = 0;
  bool anonymous_allowed = false;
};

// The member's own standing in a room, sent with `joined`.
struct You {
  std::optional<std::string> user_id;
  std::string display_name;
  std::string_view role;  // owner | admin | moderator | viewer | anonymous
  bool can_chat = false;
  std::string_view chat_refusal;  // empty when can_chat
  bool can_moderate = false;
  std::optional<int64_t> timed_out_until;
};

std::string hello(const HelloInfo& info);
std::string error(std::string_view code, std::string_view message, const RequestId& request_id,
                  int64_t retry_after_ms = 0);
std::string authenticated(const platform::Identity& user, const RequestId& request_id);
std::string pong(const RequestId& request_id);
// {"type":"ack","action":...,"requestId":...} plus messageId when given.
std::string ack(std::string_view action, const RequestId& request_id,
                std::string_view message_id = {});

// A chat message as clients see it (also inside `history`).
std::string message_object(const store::ChatMessage& m);
std::string chat(const store::ChatMessage& m);
// "[m1,m2,...]" oldest first.
std::string history_array(const std::deque<store::ChatMessage>& messages);
std::string joined(const store::LiveStream& stream, size_t max_message_chars, const You& you,
                   const std::string& history_array, int64_t viewers, const RequestId& request_id);
std::string left(const std::string& stream_id, std::string_view reason,
                 const RequestId& request_id);

std::string message_deleted(const std::string& stream_id, const std::string& message_id);
std::string messages_cleared(const std::string& stream_id, const std::string& user_id);
std::string user_timed_out(const std::string& stream_id, const std::string& user_id,
                           int64_t until_ms);
std::string user_banned(const std::string& stream_id, const std::string& user_id);
std::string user_unbanned(const std::string& stream_id, const std::string& user_id);
std::string moderator(const std::string& stream_id, const std::string& user_id, bool added);
std::string viewers(const std::string& stream_id, int64_t count);
// {"type":"analytics","streamId":...,"analytics":<figures_json>} for the owner (docs/analytics.md);
// `figures_json` is a JSON object already serialised (platform/analytics_view.h).
std::string analytics(const std::string& stream_id, const std::string& figures_json);
std::string stream_status(const store::LiveStream& stream);
std::string chat_settings(const store::LiveStream& stream);
// Several room events flushed together: {"type":"batch","events":[e1,e2,...]}.
// {"type":"notification","notification":{...as an item of GET /api/notifications...}}:
// to the user's own connections, wherever they are on the site (docs/notifications.md).
std::string notification(const store::Notification& n);

std::string batch(const std::vector<std::shared_ptr<const std::string>>& events);

}  // namespace stagecast::realtime::events
