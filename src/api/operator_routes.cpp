// The operator page's API (docs/web.md, "Operator page"; docs/openapi.yaml) and a fan's request
// to become an artist:
//   POST /api/me/artist-request                       a fan asks to become an artist
//   GET  /api/operator/users?after=&limit=&requests=  users, oldest first
//   PUT  /api/operator/users/{id}/role {role}
//   POST /api/operator/users/{id}/artist-request {approve}
//   GET  /api/operator/subscriptions?limit=           PUT /api/operator/subscriptions {...}
//   GET  /api/operator/streams?status=&cursor=&limit=
//   POST /api/operator/streams/{id}/end               POST /api/operator/streams/{id}/key
//   GET  /api/operator/moderation?limit=  /tips?limit=  /payment-events?limit=
// Signed in as the operator (Identity::is_operator), else 403; OperatorConsole does the rest.

#include "api/operator_routes.h"

#include <charconv>

#include "api/api_context.h"
#include "api/json_body.h"

namespace stagecast::api {

namespace {

nlohmann::json opt(const std::optional<std::string>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
nlohmann::json opt(const std::optional<int64_t>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json operator_user_json(const store::User& u) {
  nlohmann::json j = user_json(platform::identity_of(u));
  j.erase("operator");  // the list does not compute it per row
  return j;
}

nlohmann::json subscription_json(const store::Subscription& s) {
  return {{"fanId", s.fan_id},
          {"artistId", s.artist_id},
          {"tier", s.tier},
          {"status", store::to_string(s.status)},
          {"expiresAt", opt(s.expires_at)},
          {"updatedAt", s.updated_at}};
}

// The caller, who must be the operator: 401 / 403 otherwise (before any data is read).
Result<platform::Identity> operator_caller(ApiContext& ctx, const net::Request& req) {
  auto caller = required_caller(ctx, req);
  if (!caller) return caller.error();
  if (!caller->is_operator) {
    return make_error("forbidden", "only the operator of this server may do this");
  }
  return caller;
}

Result<int> limit_param(const net::Request& req) {
  auto limit = integer_query_param(req, "limit", 50, 1, 200);
  if (!limit) return limit.error();
  return static_cast<int>(*limit);
}

// `after` of the users' list: "<created_at>.<id>" as nextCursor gave it.
Result<std::optional<store::UserQuery::Cursor>> user_cursor(const net::Request& req) {
  using Out = std::optional<store::UserQuery::Cursor>;
  auto after = req.query_param("after");
  if (!after) return Out{};
  const auto dot = after->find('.');
  store::UserQuery::Cursor c;
  if (dot == std::string::npos || dot == 0) {
    return make_error("validation_failed", "'after' must be a cursor from nextCursor");
  }
  auto [ptr, ec] = std::from_chars(after->data(), after->data() + dot, c.created_at);
  if (ec != std::errc() || ptr != after->data() + dot) {
    return make_error("validation_failed", "'after' must be a cursor from nextCursor");
  }
  c.id = after->substr(dot + 1);
  return Out(c);
}

}  // namespace

void add_operator_routes(net::Router& router, ApiContext& ctx) {
  router.add("POST", "/api/me/artist-request", [&ctx](const net::Request& req) {
    auto caller = required_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    if (!req.body.empty()) {
      if (auto body = JsonBody::parse(req, {}); !body) return error_response(body.error());
    }
    auto outcome = ctx.platform.artist_requests().request(*caller);
    if (!outcome) return error_response(outcome.error());
    nlohmann::json j = {{"granted", outcome->granted},
                        {"user", user_json(platform::identity_of(outcome->user))}};
    j["user"]["operator"] = caller->is_operator;
    return net::Response::json(200, j.dump());
  });

  router.add("GET", "/api/operator/users", [&ctx](const net::Request& req) {
    auto caller = operator_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    store::UserQuery q;
    auto limit = limit_param(req);
    if (!limit) return error_response(limit.error());
    q.limit = static_cast<size_t>(*limit);
    auto after = user_cursor(req);
    if (!after) return error_response(after.error());
    q.after = *after;
    auto requests = boolean_query_param(req, "requests");
    if (!requests) return error_response(requests.error());
    q.artist_requests_only = *requests;
    auto users = ctx.platform.console().users(*caller, q);
    if (!users) return error_response(users.error());
    nlohmann::json items = nlohmann::json::array();
    for (const auto& u : *users) items.push_back(operator_user_json(u));
    nlohmann::json next = nullptr;
    if (users->size() == q.limit) {
      next = std::to_string(users->back().created_at) + "." + users->back().id;
    }
    return net::Response::json(200, nlohmann::json{{"items", items}, {"nextCursor", next}}.dump())
        .header("cache-control", "no-store");
  });

  router.add("PUT", "/api/operator/users/{id}/role", [&ctx](const net::Request& req) {
    auto caller = operator_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    auto body = JsonBody::parse(req, {"role"});
    if (!body) return error_response(body.error());
    auto role = body->required_string("role");
    if (!role) return error_response(role.error());
    auto user = ctx.platform.console().set_role(*caller, req.param("id"), *role);
    if (!user) return error_response(user.error());
    return net::Response::json(200, user_json(*user).dump());
  });

  router.add("POST", "/api/operator/users/{id}/artist-request", [&ctx](const net::Request& req) {
    auto caller = operator_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    auto body = JsonBody::parse(req, {"approve"});
    if (!body) return error_response(body.error());
    auto approve = body->boolean("approve");
    if (!approve) return error_response(approve.error());
    if (!*approve) {
      return net::Response::error(422, "validation_failed",
                                  "'approve' (true or false) is required");
    }
    auto user = ctx.platform.console().answer_artist_request(*caller, req.param("id"), **approve);
    if (!user) return error_response(user.error());
    return net::Response::json(200, operator_user_json(*user).dump());
  });

  router.add("GET", "/api/operator/subscriptions", [&ctx](const net::Request& req) {
    auto caller = operator_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    auto limit = limit_param(req);
    if (!limit) return error_response(limit.error());
    auto subs = ctx.platform.console().subscriptions(*caller, *limit);
    if (!subs) return error_response(subs.error());
    nlohmann::json items = nlohmann::json::array();
    for (const auto& s : *subs) items.push_back(subscription_json(s));
    return net::Response::json(200, nlohmann::json{{"items", items}}.dump())
        .header("cache-control", "no-store");
  });

  router.add("PUT", "/api/operator/subscriptions", [&ctx](const net::Request& req) {
    auto caller = operator_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    auto body = JsonBody::parse(req, {"fanId", "artistId", "tier", "status", "expiresAt"});
    if (!body) return error_response(body.error());
    platform::AdminSubscriptionUpsert s;
    auto fan = body->required_string("fanId");
    if (!fan) return error_response(fan.error());
    auto artist = body->required_string("artistId");
    if (!artist) return error_response(artist.error());
    auto status = body->required_string("status");
    if (!status) return error_response(status.error());
    auto tier = body->integer("tier");
    if (!tier) return error_response(tier.error());
    Result<std::optional<int64_t>> expires = std::optional<int64_t>{};
    if (!body->is_null("expiresAt")) expires = body->integer("expiresAt");
    if (!expires) return error_response(expires.error());
    s.fan_id = *fan;
    s.artist_id = *artist;
    s.status = *status;
    if (*tier) {
      if (**tier < 1 || **tier > 100) {
        return net::Response::error(422, "validation_failed", "'tier' must be 1..100");
      }
      s.tier = static_cast<int>(**tier);
    }
    s.expires_at = *expires;
    auto sub = ctx.platform.console().set_subscription(*caller, s);
    if (!sub) return error_response(sub.error());
    return net::Response::json(200, subscription_json(*sub).dump());
  });

  router.add("GET", "/api/operator/streams", [&ctx](const net::Request& req) {
    auto caller = operator_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    platform::StreamQuery q;
    q.status = req.query_param("status");
    q.cursor = req.query_param("cursor");
    auto limit = integer_query_param(req, "limit", 50, 1, 100);
    if (!limit) return error_response(limit.error());
    q.limit = static_cast<int>(*limit);
    auto page = ctx.platform.console().streams(*caller, q);
    if (!page) return error_response(page.error());
    nlohmann::json items = nlohmann::json::array();
    for (const auto& v : page->items) items.push_back(stream_json(ctx, v));
    nlohmann::json j = {{"items", items}, {"nextCursor", opt(page->next_cursor)}};
    return net::Response::json(200, j.dump()).header("cache-control", "no-store");
  });

  router.add("POST", "/api/operator/streams/{id}/end", [&ctx](const net::Request& req) {
    auto caller = operator_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    auto ended = ctx.platform.console().end_stream(*caller, req.param("id"));
    if (!ended) return error_response(ended.error());
    return net::Response::json(200, nlohmann::json{{"id", ended->id},
                                                   {"status", store::to_string(ended->status)},
                                                   {"endReason", opt(ended->end_reason)}}
                                        .dump());
  });

  router.add("POST", "/api/operator/streams/{id}/key", [&ctx](const net::Request& req) {
    auto caller = operator_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    auto key = ctx.platform.console().rotate_key(*caller, req.param("id"));
    if (!key) return error_response(key.error());
    // The new key is shown to the operator once, to hand to the artist (never logged).
    return net::Response::json(200,
                               nlohmann::json{{"id", req.param("id")}, {"streamKey", *key}}.dump())
        .header("cache-control", "no-store");
  });

  router.add("GET", "/api/operator/moderation", [&ctx](const net::Request& req) {
    auto caller = operator_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    auto limit = limit_param(req);
    if (!limit) return error_response(limit.error());
    auto actions = ctx.platform.console().moderation(*caller, *limit);
    if (!actions) return error_response(actions.error());
    nlohmann::json items = nlohmann::json::array();
    for (const auto& a : *actions) {
      items.push_back({{"id", a.id},
                       {"streamId", opt(a.stream_id)},
                       {"artistId", a.artist_id},
                       {"actorId", a.actor_id},
                       {"targetUserId", opt(a.target_user_id)},
                       {"action", store::to_string(a.action)},
                       {"messageId", opt(a.message_id)},
                       {"durationSeconds", opt(a.duration_seconds)},
                       {"reason", opt(a.reason)},
                       {"createdAt", a.created_at}});
    }
    return net::Response::json(200, nlohmann::json{{"items", items}}.dump())
        .header("cache-control", "no-store");
  });

  router.add("GET", "/api/operator/tips", [&ctx](const net::Request& req) {
    auto caller = operator_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    auto limit = limit_param(req);
    if (!limit) return error_response(limit.error());
    auto tips = ctx.platform.console().tips(*caller, *limit);
    if (!tips) return error_response(tips.error());
    nlohmann::json items = nlohmann::json::array();
    for (const auto& t : *tips) {
      items.push_back({{"id", t.id},
                       {"streamId", t.stream_id},
                       {"fanId", t.fan_id},
                       {"artistId", t.artist_id},
                       {"amountCents", t.amount_cents},
                       {"feeCents", t.fee_cents},
                       {"currency", t.currency},
                       {"status", store::to_string(t.status)},
                       {"provider", t.provider},
                       {"message", opt(t.message)},
                       {"createdAt", t.created_at}});
    }
    return net::Response::json(200, nlohmann::json{{"items", items}}.dump())
        .header("cache-control", "no-store");
  });

  router.add("GET", "/api/operator/payment-events", [&ctx](const net::Request& req) {
    auto caller = operator_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    auto limit = limit_param(req);
    if (!limit) return error_response(limit.error());
    auto events = ctx.platform.console().payment_events(*caller, *limit);
    if (!events) return error_response(events.error());
    nlohmann::json items = nlohmann::json::array();
    for (const auto& e : *events) {
      // The raw payload stays in the store (it may carry customer details): type and state.
      items.push_back({{"provider", e.provider},
                       {"eventId", e.event_id},
                       {"type", e.type},
                       {"receivedAt", e.received_at},
                       {"applied", e.applied},
                       {"appliedAt", opt(e.applied_at)}});
    }
    return net::Response::json(200, nlohmann::json{{"items", items}}.dump())
        .header("cache-control", "no-store");
  });
}

}  // namespace stagecast::api
