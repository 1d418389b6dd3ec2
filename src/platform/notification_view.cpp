#include "platform/notification_view.h"

namespace stagecast::platform {

nlohmann::json notification_json(const store::Notification& n) {
  // The payload was written by LiveNotifier as JSON; a row that does not parse (written by hand,
  // or by a future version) is shown without data rather than failing the whole list.
  nlohmann::json data = nlohmann::json::parse(n.payload, nullptr, false);
  if (data.is_discarded() || !data.is_object()) data = nlohmann::json::object();
  return {
      {"id", n.id},
      {"kind", n.kind},
      {"streamId", n.stream_id ? nlohmann::json(*n.stream_id) : nlohmann::json(nullptr)},
      {"createdAt", n.created_at},
      {"read", n.read_at.has_value()},
      {"readAt", n.read_at ? nlohmann::json(*n.read_at) : nlohmann::json(nullptr)},
      {"data", std::move(data)},
  };
}

}  // namespace stagecast::platform
