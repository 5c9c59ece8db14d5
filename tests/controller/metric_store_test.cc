// PushMetricStore and SourceRouter: per-instance averaging over the push window
// (2 x syncPeriodSeconds), newest sample per instance, forgetting.

#include "controller/metric_store.h"

#include <gtest/gtest.h>

#include "controller/metric_source.h"

namespace gov::controller {
namespace {

using std::chrono::seconds;

const core::TimePoint kT0 = core::FromUnixSeconds(1'700'000'000);

TEST(PushMetricStoreTest, AveragesTheNewestSampleOfEachInstanceWithinTheWindow) {
  PushMetricStore store;
  const std::vector<PushedSample> samples = {
      {"cpu", 80, kT0 - seconds(10), "a"},
      {"cpu", 40, kT0 - seconds(40), "b"},  // outside a 30 s window
      {"cpu", 60, kT0 - seconds(5), "c"},
      {"cpu", 10, kT0 - seconds(20), "c"},  // older than c's 60: ignored
      {"rps", 5, kT0, ""},
  };
  store.Record("web", samples, seconds(3600), kT0);
  PushedReading cpu = store.Read("web", "cpu", seconds(30), kT0);
  ASSERT_TRUE(cpu.value.has_value());
  EXPECT_DOUBLE_EQ(*cpu.value, 70.0);  // (80 + 60) / 2
  EXPECT_EQ(cpu.instances, 2);
  EXPECT_EQ(cpu.sampled_at, kT0 - seconds(5));
  // A wider window takes b in too.
  EXPECT_DOUBLE_EQ(*store.Read("web", "cpu", seconds(60), kT0).value, 60.0);
  EXPECT_DOUBLE_EQ(*store.Read("web", "rps", seconds(30), kT0).value, 5.0);
  EXPECT_FALSE(store.Read("web", "memory", seconds(30), kT0).value.has_value());
  EXPECT_FALSE(store.Read("api", "cpu", seconds(30), kT0).value.has_value());
}

TEST(PushMetricStoreTest, ASampleExactlyAtTheWindowEdgeCountsOneOlderDoesNot) {
  PushMetricStore store;
  const std::vector<PushedSample> samples = {{"cpu", 50, kT0, "a"}};
  store.Record("web", samples, seconds(3600), kT0);
  EXPECT_TRUE(store.Read("web", "cpu", seconds(30), kT0 + seconds(30)).value.has_value());
  EXPECT_FALSE(store.Read("web", "cpu", seconds(30), kT0 + seconds(30) + core::Duration(1)).value);
  // A sample newer than the sync's `now` (pushed while the sync was reading other metrics)
  // counts: it replaced the instance's older sample, which must not leave the metric missing.
  EXPECT_TRUE(store.Read("web", "cpu", seconds(30), kT0 - seconds(1)).value.has_value());
}

TEST(PushMetricStoreTest, ForgetsInstancesOlderThanRetainAndErasedTargets) {
  PushMetricStore store;
  std::vector<PushedSample> old = {{"cpu", 10, kT0, "gone"}};
  store.Record("web", old, seconds(30), kT0);
  std::vector<PushedSample> fresh = {{"cpu", 90, kT0 + seconds(60), "new"}};
  store.Record("web", fresh, seconds(30), kT0 + seconds(60));
  PushedReading r = store.Read("web", "cpu", seconds(3600), kT0 + seconds(60));
  EXPECT_EQ(r.instances, 1);
  EXPECT_DOUBLE_EQ(*r.value, 90.0);
  store.Erase("web");
  EXPECT_FALSE(store.Read("web", "cpu", seconds(3600), kT0 + seconds(60)).value);
}

class TableQuerier final : public integrations::PrometheusQuerier {
 public:
  core::StatusOr<integrations::PrometheusValue> Query(const std::string& url,
                                                      const std::string& query,
                                                      core::Duration timeout,
                                                      core::TimePoint at) override {
    last_url = url;
    last_timeout = timeout;
    if (query == "bad") return core::FailedPrecondition("prometheus: the query returned no series");
    return integrations::PrometheusValue{42, at};
  }
  std::string last_url;
  core::Duration last_timeout{};
};

TEST(SourceRouterTest, RoutesPushAndPrometheusMetricsWithDefaults) {
  PushMetricStore store;
  TableQuerier prometheus;
  SourceRouter router(store, prometheus, "http://prom:9090", seconds(7));
  TargetSpec spec;
  spec.name = "web";
  spec.sync_period_seconds = 10;
  MetricSpec pushed{"cpu", MetricType::kUtilization, 70, {}};
  MetricSpec queried{"rps", MetricType::kAverageValue, 1000, {PrometheusSource{"q", {}, {}}}};
  MetricSpec custom{
      "mem", MetricType::kUtilization, 80, {PrometheusSource{"bad", "http://other:9090", 2.5}}};

  MetricSample missing = router.Read(spec, pushed, kT0);
  EXPECT_EQ(missing.source, "push");
  EXPECT_FALSE(missing.value);
  EXPECT_EQ(missing.error, "no sample pushed in the last 20 s");
  std::vector<PushedSample> s = {{"cpu", 55, kT0 - seconds(20), "a"}};
  store.Record("web", s, seconds(20), kT0);
  EXPECT_DOUBLE_EQ(*router.Read(spec, pushed, kT0).value, 55.0);

  MetricSample q = router.Read(spec, queried, kT0);
  EXPECT_EQ(q.source, "prometheus");
  EXPECT_DOUBLE_EQ(*q.value, 42.0);
  EXPECT_EQ(q.sampled_at, kT0);
  EXPECT_EQ(prometheus.last_url, "http://prom:9090");
  EXPECT_EQ(prometheus.last_timeout, seconds(7));

  MetricSample e = router.Read(spec, custom, kT0);
  EXPECT_FALSE(e.value);
  EXPECT_EQ(e.error, "prometheus: the query returned no series");
  EXPECT_EQ(prometheus.last_url, "http://other:9090");
  EXPECT_EQ(prometheus.last_timeout, std::chrono::milliseconds(2500));
}

}  // namespace
}  // namespace gov::controller
