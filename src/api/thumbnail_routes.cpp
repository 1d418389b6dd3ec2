// GET /api/livestream/{id}/thumbnail.jpg (docs/web.md, "Live thumbnails"): the stream's latest
// picture, to whoever may watch the stream (the access policy's WATCH, as for playback): 401 /
// 403 with the policy's reason otherwise, before anything about the picture is told. 404
// no_thumbnail while there is none yet. Short caching: max-age 5 s (a new picture comes every
// few seconds), public only for PUBLIC streams; an ETag per picture answers If-None-Match.

#include "api/thumbnail_routes.h"

#include "api/api_context.h"
#include "api/json_body.h"

namespace stagecast::api {

void add_thumbnail_routes(net::Router& router, ApiContext& ctx) {
  router.add("GET", "/api/livestream/{id}/thumbnail.jpg", [&ctx](const net::Request& req) {
    auto caller = optional_caller(ctx, req);
    if (!caller) return error_response(caller.error());
    auto view = ctx.platform.streams().get(*caller ? &**caller : nullptr, req.param("id"));
    if (!view) return error_response(view.error());
    if (!view->watch.allowed) {
      const std::string reason(view->watch.reason);
      return net::Response::error(reason == "login_required" ? 401 : 403, reason,
                                  "you may not watch this stream")
          .header("cache-control", "no-store");
    }
    media::ThumbnailPtr pic = ctx.thumbnails ? ctx.thumbnails->get(view->stream.id) : nullptr;
    if (!pic) {
      return net::Response::error(404, "no_thumbnail", "the stream has no picture yet")
          .header("cache-control", "no-store");
    }
    const bool is_public = view->stream.visibility == store::Visibility::kPublic;
    const std::string etag = "\"t" + std::to_string(pic->captured_at_ms) + "\"";
    net::Response r;
    r.headers["cache-control"] = is_public ? "public, max-age=5" : "private, max-age=5";
    r.headers["etag"] = etag;
    r.headers["vary"] = "Authorization";
    r.headers["x-content-type-options"] = "nosniff";
    const std::string inm(req.header("if-none-match"));
    if (!inm.empty() && (inm == etag || inm == "W/" + etag || inm == "*")) {
      r.status = 304;
      return r;
    }
    r.status = 200;
    r.headers["content-type"] = "image/jpeg";
    r.shared_body = std::shared_ptr<const std::vector<uint8_t>>(pic, &pic->jpeg);
    return r;
  });
}

}  // namespace stagecast::api
