#pragma once
// A stream's analytics figures and per-bucket series (docs/analytics.md).

#include <string>
#include <vector>

#include "core/result.h"
#include "store/records.h"

namespace stagecast::store {

class AnalyticsRepository {
 public:
  virtual ~AnalyticsRepository() = default;

  // Writes the figures and these buckets (inserted or replaced) in one transaction. A final row
  // is never replaced by a live one: once final, later saves of live figures are ignored
  // (returns false then).
  virtual Result<bool> save(const StreamAnalytics& figures,
                            const std::vector<AnalyticsBucket>& buckets) = 0;
  // not_found when the stream never had figures.
  virtual Result<StreamAnalytics> find(const std::string& stream_id) = 0;
  virtual Result<std::vector<AnalyticsBucket>> buckets(const std::string& stream_id) = 0;
};

}  // namespace stagecast::store
