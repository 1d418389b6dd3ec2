#pragma once
// GET /api/artists/{id}: an artist's public profile (artist_routes.cpp).

#include "api/api_context.h"
#include "net/router.h"

namespace stagecast::api {

void add_artist_routes(net::Router& router, ApiContext& ctx);

}  // namespace stagecast::api
