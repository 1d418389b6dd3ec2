#pragma once
// The unsubscribe link of notification emails (docs/notifications.md, Unsubscribe). It works
// without signing in: the signed token in the link names the user.
//
//   GET  /unsubscribe?token=   a page that asks to confirm (a GET never changes anything: mail
//                              scanners and link previews fetch links)
//   POST /unsubscribe?token=   turns the user's notification email off: the page's button, and
//                              the one-click POST of RFC 8058 (body "List-Unsubscribe=One-Click")
// A malformed or forged token gets 400 and changes nothing.

#include "net/router.h"
#include "platform/notification_service.h"
#include "platform/unsubscribe_token.h"

namespace stagecast::api {

// `notifications` and `tokens` are borrowed and must outlive the router.
void add_unsubscribe_routes(net::Router& router, platform::NotificationService& notifications,
                            const platform::UnsubscribeTokens& tokens);

}  // namespace stagecast::api
