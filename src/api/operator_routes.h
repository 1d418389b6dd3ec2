#pragma once
// The operator page's API and a fan's request to become an artist (operator_routes.cpp).

#include "api/api_context.h"
#include "net/router.h"

namespace stagecast::api {

void add_operator_routes(net::Router& router, ApiContext& ctx);

}  // namespace stagecast::api
