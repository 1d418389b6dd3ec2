#pragma once
// The caller's notifications (docs/notifications.md):
//
//   GET  /api/notifications?limit=20&before=&unread=   in-app, newest first, with unreadCount
//   POST /api/notifications/{id}/read                  mark one read (204; again is fine)
//   GET  /api/me/notification-settings                 the channels the caller allows
//   PUT  /api/me/notification-settings                 change them (absent fields kept);
//                                                      mutedArtists replaces the muted list

#include "api/api_context.h"
#include "net/router.h"
#include "platform/notification_service.h"

namespace stagecast::api {

void add_notification_routes(net::Router& router, ApiContext& ctx,
                             platform::NotificationService& notifications);

}  // namespace stagecast::api
