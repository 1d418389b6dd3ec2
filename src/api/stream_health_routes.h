#pragma once
// GET /api/livestream/{id}/health (owner or admin): what the ingest receives right now, for the
// Studio's stream health panel (bitrate, frame rate, key frame interval, codecs). The numbers
// come from the node's live stream registry through a function the app wires, so this layer does
// not hold the registry.

#include <functional>
#include <optional>
#include <string>

#include "api/api_context.h"
#include "ingest/ingest_stats.h"
#include "net/router.h"

namespace stagecast::api {

// The ingest statistics of a stream live on this node, or nullopt when it is not live here.
// Called on a worker thread; must be thread-safe.
using IngestStatsSource = std::function<std::optional<ingest::IngestStats>(const std::string&)>;

void add_stream_health_routes(net::Router& router, ApiContext& ctx, IngestStatsSource stats);

// The JSON of the "ingest" object (exposed for tests).
nlohmann::json ingest_stats_json(const ingest::IngestStats& stats);

}  // namespace stagecast::api
