#pragma once
// The JSON shape of an in-app notification, the same in GET /api/notifications and the
// WebSocket `notification` event (docs/notifications.md), so that a client renders both alike.

#include <nlohmann/json.hpp>

#include "store/records.h"

namespace stagecast::platform {

// {"id","kind","streamId","createdAt","read","readAt","data":{...the kind's payload...}}
nlohmann::json notification_json(const store::Notification& n);

}  // namespace stagecast::platform
