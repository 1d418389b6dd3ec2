// GET /api/artists/{id}: an artist's public profile, for the artist page /a/{id} (docs/web.md).
// Only accounts with role ARTIST have one (anyone else: 404, so the route tells nothing about
// fans); never the email or payout details. Their streams come from GET /api/livestream?artistId=.

#include "api/artist_routes.h"

#include "api/api_context.h"
#include "api/json_body.h"

namespace stagecast::api {

void add_artist_routes(net::Router& router, ApiContext& ctx) {
  router.add("GET", "/api/artists/{id}", [&ctx](const net::Request& req) {
    auto user = ctx.platform.accounts().get_user(req.param("id"));
    if (!user || user->role != store::Role::kArtist) {
      if (!user && user.error().code != "not_found") return error_response(user.error());
      return net::Response::error(404, "not_found", "no such artist");
    }
    nlohmann::json j = {{"id", user->user_id},
                        {"displayName", user->display_name},
                        {"verifiedArtist", user->verified_artist()},
                        {"createdAt", user->created_at}};
    return net::Response::json(200, j.dump()).header("cache-control", "no-cache");
  });
}

}  // namespace stagecast::api
