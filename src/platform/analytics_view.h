#pragma once
// The JSON shape of a stream's analytics (docs/analytics.md, docs/openapi.json
// StreamAnalytics): the same bytes answer GET /api/livestream/{id}/analytics and go to the owner
// in the WebSocket's `analytics` event. And its CSV export, one line per bucket.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/records.h"

namespace stagecast::platform {

nlohmann::json analytics_json(const store::StreamAnalytics& figures,
                              const std::vector<store::AnalyticsBucket>& buckets);

// RFC 4180: a header line, then bucket,start (ISO 8601 UTC),viewers,messages,tips,tips_cents;
// CRLF line ends.
std::string analytics_csv(const store::StreamAnalytics& figures,
                          const std::vector<store::AnalyticsBucket>& buckets);

}  // namespace stagecast::platform
