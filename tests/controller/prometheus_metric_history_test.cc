// The controller's load history read from Prometheus range queries, against a local httplib
// server (the range-query client itself is tested in tests/integrations).

#include <gtest/gtest.h>
#include <httplib.h>

#include "controller/load_history.h"
#include "integrations/prometheus_client.h"
#include "tests/integrations/range_prometheus.h"

namespace gov::controller {
namespace {

using integrations::testing::RangePrometheus;

TEST(PrometheusMetricHistoryTest, PrometheusMetricsAreRangeQueriedPushedOnesHaveNoHistory) {
  RangePrometheus prom;
  integrations::PrometheusHttpClient client({.max_attempts = 1, .sleep = {}});
  PrometheusMetricHistory history(client, prom.url());
  TargetSpec target;
  MetricSpec metric;
  metric.name = "rps";
  metric.type = MetricType::kValue;
  metric.source.prometheus = PrometheusSource{"sum(rate(requests[1m]))", std::nullopt, 2.0};
  auto samples = history.ReadRange(target, metric, core::FromUnixSeconds(600),
                                   core::FromUnixSeconds(900), std::chrono::seconds(300));
  ASSERT_TRUE(samples.ok()) << samples.status().ToString();
  EXPECT_EQ(*samples, (std::vector<store::LoadSample>{{core::FromUnixSeconds(600), 600},
                                                      {core::FromUnixSeconds(900), 900}}));
  metric.source.prometheus.reset();
  auto pushed = history.ReadRange(target, metric, core::FromUnixSeconds(600),
                                  core::FromUnixSeconds(900), std::chrono::seconds(300));
  EXPECT_EQ(pushed.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_NE(pushed.status().message().find("rps is pushed"), std::string::npos);
}

}  // namespace
}  // namespace gov::controller
