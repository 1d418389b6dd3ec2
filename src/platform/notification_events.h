#pragma once
// What the notification outbox tells the rest of the system (the realtime gateway sends a
// `notification` event to the user's open connections, docs/realtime.md). Called on the
// notifier's own thread after the store has the rows, once per row that was new: implementations
// must return at once and must not throw.

#include "store/records.h"

namespace stagecast::platform {

class NotificationEvents {
 public:
  virtual ~NotificationEvents() = default;

  // An in-app notification was stored for n.user_id.
  virtual void in_app_created(const store::Notification& n) = 0;
  // Rows of `channel` waiting for delivery were written (the delivery worker wakes up).
  virtual void pending_written(store::NotificationChannel channel) { (void)channel; }
};

}  // namespace stagecast::platform
