#include "platform/analytics_view.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>

namespace stagecast::platform {
namespace {

std::string iso_utc(int64_t unix_ms) {
  const std::chrono::sys_time<std::chrono::milliseconds> t{std::chrono::milliseconds(unix_ms)};
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", std::chrono::floor<std::chrono::seconds>(t));
}

}  // namespace

nlohmann::json analytics_json(const store::StreamAnalytics& f,
                              const std::vector<store::AnalyticsBucket>& buckets) {
  nlohmann::json series = nlohmann::json::array();
  for (const auto& b : buckets) {
    series.push_back({{"bucket", b.bucket},
                      {"at", f.started_at + b.bucket * f.bucket_ms},
                      {"viewers", b.viewers},
                      {"messages", b.messages},
                      {"tips", b.tips},
                      {"tipsCents", b.tips_gross}});
  }
  nlohmann::json j = {
      {"streamId", f.stream_id},
      {"final", f.final},
      {"startedAt", f.started_at},
      {"endedAt", f.ended_at ? nlohmann::json(*f.ended_at) : nlohmann::json(nullptr)},
      {"bucketMs", f.bucket_ms},
      {"viewersNow", f.viewers_now},
      {"peakViewers", f.peak_viewers},
      {"peakAt", f.peak_at ? nlohmann::json(*f.peak_at) : nlohmann::json(nullptr)},
      {"uniqueViewers", f.unique_viewers},
      {"watchTimeMs", f.watch_ms},
      {"averageWatchTimeMs", f.unique_viewers > 0 ? f.watch_ms / f.unique_viewers : 0},
      {"chatters", f.chatters},
      {"messages", f.messages},
      {"tips",
       {{"count", f.tips_count},
        {"grossCents", f.tips_gross},
        {"feeCents", f.tips_fee},
        {"netCents", f.tips_net},
        {"currency", f.currency ? nlohmann::json(*f.currency) : nlohmann::json(nullptr)}}},
      {"newSubscribers", f.new_subscribers},
      {"updatedAt", f.updated_at},
      {"series", std::move(series)}};
  return j;
}

std::string analytics_csv(const store::StreamAnalytics& f,
                          const std::vector<store::AnalyticsBucket>& buckets) {
  std::string out = "bucket,start,viewers,messages,tips,tips_cents\r\n";
  for (const auto& b : buckets) {
    out += fmt::format("{},{},{},{},{},{}\r\n", b.bucket,
                       iso_utc(f.started_at + b.bucket * f.bucket_ms), b.viewers, b.messages,
                       b.tips, b.tips_gross);
  }
  return out;
}

}  // namespace stagecast::platform
