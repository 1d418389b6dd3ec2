// Analytics of a stream, for its owner and admins (docs/analytics.md):
//   GET /api/livestream/{id}/analytics          live figures (final once ended) and the series
//   GET /api/livestream/{id}/analytics.csv      the series as CSV (RFC 4180)
//   GET /api/livestream/{id}/analytics/viewers  the visits (stream_viewers rows)
// 401 without a caller, 403 not_owner for anyone else, 404 for an unknown stream.

#include "api/api_context.h"
#include "api/json_body.h"
#include "platform/analytics_view.h"
#include "platform/errors.h"

namespace stagecast::api {
namespace {

// The stream's analytics when the caller may read them, else the error response.
Result<platform::AnalyticsReport> report_for(ApiContext& ctx, const net::Request& req) {
  auto caller = required_caller(ctx, req);
  if (!caller) return caller.error();
  const std::string id = req.param("id");
  auto view = ctx.platform.streams().get(&*caller, id);
  if (!view) return view.error();
  if (!view->manager)
    return make_error(platform::errc::kNotOwner,
                      "only the stream's owner or an admin may read its analytics");
  auto report = ctx.analytics->report(id);
  if (report) return report;
  if (report.error().code != "not_found") return report.error();
  // Never live (or live before analytics existed): nothing counted, all zero.
  platform::AnalyticsReport empty;
  empty.figures.stream_id = id;
  empty.figures.started_at = view->stream.started_at.value_or(0);
  empty.figures.ended_at = view->stream.ended_at;
  empty.figures.final = view->stream.status == store::StreamStatus::kEnded;
  empty.figures.bucket_ms = ctx.analytics->options().bucket_ms;
  return empty;
}

nlohmann::json viewer_json(const store::StreamViewer& v) {
  auto opt = [](const std::optional<std::string>& s) {
    return s ? nlohmann::json(*s) : nlohmann::json(nullptr);
  };
  return {{"id", v.id},
          {"userId", opt(v.user_id)},
          {"sessionId", opt(v.session_id)},
          {"joinedAt", v.joined_at},
          {"leftAt", v.left_at ? nlohmann::json(*v.left_at) : nlohmann::json(nullptr)},
          {"watchMs", v.watch_ms},
          {"rendition", opt(v.rendition)},
          {"device", opt(v.device)}};
}

}  // namespace

void add_analytics_routes(net::Router& router, ApiContext& ctx) {
  if (!ctx.analytics) return;
  router.add("GET", "/api/livestream/{id}/analytics", [&ctx](const net::Request& req) {
    auto report = report_for(ctx, req);
    if (!report) return error_response(report.error());
    return net::Response::json(200,
                               platform::analytics_json(report->figures, report->buckets).dump())
        .header("cache-control", "no-store");
  });

  router.add("GET", "/api/livestream/{id}/analytics.csv", [&ctx](const net::Request& req) {
    auto report = report_for(ctx, req);
    if (!report) return error_response(report.error());
    return net::Response::text(200, platform::analytics_csv(report->figures, report->buckets),
                               "text/csv; charset=utf-8")
        .header("cache-control", "no-store")
        .header("content-disposition",
                "attachment; filename=\"stream-" + req.param("id") + "-analytics.csv\"");
  });

  router.add("GET", "/api/livestream/{id}/analytics/viewers", [&ctx](const net::Request& req) {
    auto report = report_for(ctx, req);
    if (!report) return error_response(report.error());
    auto limit = integer_query_param(req, "limit", 1000, 1, 10'000);
    if (!limit) return error_response(limit.error());
    auto rows = ctx.analytics->viewers(req.param("id"), *limit);
    if (!rows) return error_response(rows.error());
    nlohmann::json items = nlohmann::json::array();
    for (const auto& v : *rows) items.push_back(viewer_json(v));
    return net::Response::json(200, nlohmann::json{{"items", std::move(items)}}.dump())
        .header("cache-control", "no-store");
  });
}

}  // namespace stagecast::api
