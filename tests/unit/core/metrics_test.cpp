#include "core/metrics.h"

#include <gtest/gtest.h>

namespace stagecast {
namespace {

TEST(MetricsRegistry, RendersPrometheusTextFormat) {
  MetricsRegistry m;
  m.counter("stagecast_http_requests_total", "HTTP requests", R"(status="200")").inc(3);
  m.counter("stagecast_http_requests_total", "HTTP requests", R"(status="404")").inc();
  m.gauge("stagecast_live_streams", "Live streams").set(2);
  const std::string text = m.render();
  EXPECT_NE(text.find("# TYPE stagecast_http_requests_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("stagecast_http_requests_total{status=\"200\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("stagecast_http_requests_total{status=\"404\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE stagecast_live_streams gauge\nstagecast_live_streams 2\n"),
            std::string::npos);
}

TEST(MetricsRegistry, SameNameAndLabelsIsTheSameCounter) {
  MetricsRegistry m;
  Counter& a = m.counter("x_total", "x");
  Counter& b = m.counter("x_total", "x");
  a.inc();
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(b.value(), 1u);
  EXPECT_THROW(m.gauge("x_total", "x"), std::logic_error);
}

}  // namespace
}  // namespace stagecast
