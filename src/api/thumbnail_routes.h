#pragma once
// GET /api/livestream/{id}/thumbnail.jpg: a stream's live picture (thumbnail_routes.cpp).

#include "api/api_context.h"
#include "net/router.h"

namespace stagecast::api {

void add_thumbnail_routes(net::Router& router, ApiContext& ctx);

}  // namespace stagecast::api
