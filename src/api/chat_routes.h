#pragma once
// REST beside the realtime chat (docs/realtime.md, "REST"):
//
//   GET    /api/livestream/{id}/chat?limit=50&before=&includeModerated=   history, oldest first
//   GET    /api/livestream/{id}/moderators                                the channel's moderators
//   PUT    /api/livestream/{id}/moderators/{userId}                       appoint (owner, admin)
//   DELETE /api/livestream/{id}/moderators/{userId}                       remove (owner, admin)
//   GET    /api/livestream/{id}/moderation?limit=                         audit trail (owner,
//   admin)
//
// Appointments made here reach the rooms at once (ModerationService tells the gateway).

#include "api/api_context.h"
#include "net/router.h"
#include "platform/chat_service.h"
#include "platform/moderation_service.h"

namespace stagecast::api {

void add_chat_routes(net::Router& router, ApiContext& ctx, platform::ChatService& chat,
                     platform::ModerationService& moderation);

}  // namespace stagecast::api
