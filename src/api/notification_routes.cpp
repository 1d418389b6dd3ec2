#include "api/notification_routes.h"

#include "api/json_body.h"
#include "platform/notification_view.h"

namespace stagecast::api {

namespace {

using nlohmann::json;

json settings_json(const platform::NotificationSettingsView& v, bool email_available) {
  const store::NotificationSettings& s = v.channels;
  json artists = json::array();
  for (const auto& a : v.artists) {
    artists.push_back({{"id", a.id},
                       {"displayName", a.display_name},
                       {"subscribed", a.subscribed},
                       {"muted", a.muted},
                       {"emailMuted", a.email_muted}});
  }
  return {{"inApp", s.in_app},
          {"email", s.email},
          {"emailAvailable", email_available},
          {"mutedArtists", v.muted_artists},
          {"emailMutedArtists", v.email_muted_artists},
          {"artists", std::move(artists)},
          {"updatedAt", s.updated_at ? json(s.updated_at) : json(nullptr)}};
}

net::Response no_store(net::Response r) {
  r.header("cache-control", "no-store");
  return r;
}

}  // namespace

void add_notification_routes(net::Router& router, ApiContext& ctx,
                             platform::NotificationService& notifications) {
  router.add("GET", "/api/notifications", [&ctx, &notifications](const net::Request& req) {
    auto caller = required_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    auto limit = integer_query_param(req, "limit", platform::kDefaultNotificationPage, 1,
                                     platform::kMaxNotificationPage);
    if (!limit) return error_response(limit.error());
    auto before = optional_integer_query_param(req, "before", 1, INT64_MAX);
    if (!before) return error_response(before.error());
    auto unread = boolean_query_param(req, "unread");
    if (!unread) return error_response(unread.error());
    auto page = notifications.list(*caller, static_cast<int>(*limit), *unread, *before);
    if (!page) return error_response(page.error());
    json items = json::array();
    for (const auto& n : page->items) items.push_back(platform::notification_json(n));
    json j = {{"items", std::move(items)},
              {"unreadCount", page->unread_count},
              {"nextBefore", page->next_before ? json(*page->next_before) : json(nullptr)}};
    return no_store(
        net::Response::json(200, j.dump(-1, ' ', false, json::error_handler_t::replace)));
  });

  router.add("POST", "/api/notifications/{id}/read",
             [&ctx, &notifications](const net::Request& req) {
               auto caller = required_caller(ctx, req);
               if (!caller) return error_response(caller.error());
               auto r = notifications.mark_read(*caller, req.param("id"));
               if (!r) return error_response(r.error());
               net::Response ok;
               ok.status = 204;
               return ok;
             });

  router.add("GET", "/api/me/notification-settings",
             [&ctx, &notifications](const net::Request& req) {
               auto caller = required_caller(ctx, req);
               if (!caller) return error_response(caller.error());
               auto s = notifications.settings(*caller);
               if (!s) return error_response(s.error());
               return no_store(net::Response::json(
                   200, settings_json(*s, notifications.email_available())
                            .dump(-1, ' ', false, json::error_handler_t::replace)));
             });

  router.add("PUT", "/api/me/notification-settings",
             [&ctx, &notifications](const net::Request& req) {
               auto caller = required_caller(ctx, req);
               if (!caller) return error_response(caller.error());
               auto body =
                   JsonBody::parse(req, {"inApp", "email", "mutedArtists", "emailMutedArtists"});
               if (!body) return error_response(body.error());
               platform::NotificationSettingsInput in;
               auto muted = body->string_list("mutedArtists", platform::kMaxMutedArtists);
               if (!muted) return error_response(muted.error());
               in.muted_artists = *muted;
               auto email_muted =
                   body->string_list("emailMutedArtists", platform::kMaxMutedArtists);
               if (!email_muted) return error_response(email_muted.error());
               in.email_muted_artists = *email_muted;
               auto in_app = body->boolean("inApp");
               if (!in_app) return error_response(in_app.error());
               auto email = body->boolean("email");
               if (!email) return error_response(email.error());
               in.in_app = *in_app;
               in.email = *email;
               auto s = notifications.update_settings(*caller, in);
               if (!s) return error_response(s.error());
               return no_store(net::Response::json(
                   200, settings_json(*s, notifications.email_available())
                            .dump(-1, ' ', false, json::error_handler_t::replace)));
             });
}

}  // namespace stagecast::api
