#include "api/chat_routes.h"

#include "api/json_body.h"

namespace stagecast::api {

namespace {

using nlohmann::json;

json optional_json(const std::optional<std::string>& v) {
  return v ? json(*v) : json(nullptr);
}

// The same shape as a message in the realtime protocol, plus its seq (the paging cursor).
json message_json(const store::ChatMessage& m, bool with_moderation) {
  json j = {{"id", m.id},
            {"seq", m.seq},
            {"streamId", m.stream_id},
            {"userId", optional_json(m.user_id)},
            {"displayName", m.display_name},
            {"text", m.body},
            {"kind", store::to_string(m.kind)},
            {"createdAt", m.created_at}};
  if (m.tip_id) j["tipId"] = *m.tip_id;
  if (with_moderation) {
    j["moderated"] = m.moderated;
    j["moderatedBy"] = optional_json(m.moderated_by);
    j["moderatedAt"] = m.moderated_at ? json(*m.moderated_at) : json(nullptr);
  }
  return j;
}

json action_json(const store::ModerationAction& a) {
  return {{"id", a.id},
          {"streamId", optional_json(a.stream_id)},
          {"artistId", a.artist_id},
          {"actorId", a.actor_id},
          {"targetUserId", optional_json(a.target_user_id)},
          {"action", store::to_string(a.action)},
          {"messageId", optional_json(a.message_id)},
          {"durationSeconds", a.duration_seconds ? json(*a.duration_seconds) : json(nullptr)},
          {"reason", optional_json(a.reason)},
          {"createdAt", a.created_at}};
}

}  // namespace

void add_chat_routes(net::Router& router, ApiContext& ctx, platform::ChatService& chat,
                     platform::ModerationService& moderation) {
  router.add("GET", "/api/livestream/{id}/chat", [&ctx, &chat](const net::Request& req) {
    auto caller = optional_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    auto limit = integer_query_param(req, "limit", platform::kJoinHistoryMessages, 1,
                                     platform::kMaxHistoryPage);
    if (!limit) return error_response(limit.error());
    auto before = optional_integer_query_param(req, "before", 1, INT64_MAX);
    if (!before) return error_response(before.error());
    auto include_moderated = boolean_query_param(req, "includeModerated");
    if (!include_moderated) return error_response(include_moderated.error());
    auto page = chat.history(*caller ? &**caller : nullptr, req.param("id"),
                             static_cast<int>(*limit), *before, *include_moderated);
    if (!page) return error_response(page.error());
    json items = json::array();
    for (const auto& m : page->messages) items.push_back(message_json(m, *include_moderated));
    json j = {{"items", std::move(items)},
              {"nextBefore", page->next_before ? json(*page->next_before) : json(nullptr)}};
    return net::Response::json(200, j.dump(-1, ' ', false, json::error_handler_t::replace))
        .header("cache-control", "no-store");
  });

  router.add("GET", "/api/livestream/{id}/moderators",
             [&ctx, &moderation](const net::Request& req) {
               auto caller = required_caller(ctx, req);
               if (!caller) return error_response(caller.error());
               auto list = moderation.moderators(*caller, req.param("id"));
               if (!list) return error_response(list.error());
               json items = json::array();
               for (const auto& m : *list) {
                 items.push_back({{"userId", m.moderator_user_id},
                                  {"appointedBy", m.appointed_by},
                                  {"createdAt", m.created_at}});
               }
               return net::Response::json(200, json{{"items", std::move(items)}}.dump());
             });

  router.add("PUT", "/api/livestream/{id}/moderators/{userId}",
             [&ctx, &moderation](const net::Request& req) {
               auto caller = required_caller(ctx, req);
               if (!caller) return error_response(caller.error());
               auto a = moderation.appoint_moderator(*caller, req.param("id"), req.param("userId"));
               if (!a) return error_response(a.error());
               return net::Response::json(200, action_json(*a).dump());
             });

  router.add("DELETE", "/api/livestream/{id}/moderators/{userId}",
             [&ctx, &moderation](const net::Request& req) {
               auto caller = required_caller(ctx, req);
               if (!caller) return error_response(caller.error());
               auto a = moderation.remove_moderator(*caller, req.param("id"), req.param("userId"));
               if (!a) return error_response(a.error());
               return net::Response::json(200, action_json(*a).dump());
             });

  router.add("GET", "/api/livestream/{id}/moderation",
             [&ctx, &moderation](const net::Request& req) {
               auto caller = required_caller(ctx, req);
               if (!caller) return error_response(caller.error());
               auto limit = integer_query_param(req, "limit", 100, 1, 500);
               if (!limit) return error_response(limit.error());
               auto list = moderation.actions(*caller, req.param("id"), static_cast<int>(*limit));
               if (!list) return error_response(list.error());
               json items = json::array();
               for (const auto& a : *list) items.push_back(action_json(a));
               return net::Response::json(200, json{{"items", std::move(items)}}.dump(
                                                   -1, ' ', false, json::error_handler_t::replace));
             });
}

}  // namespace stagecast::api
