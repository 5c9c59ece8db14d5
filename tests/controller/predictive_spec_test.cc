#include "controller/predictive_spec.h"

#include <gtest/gtest.h>

#include <string>

#include "controller/target_spec.h"
#include "core/yaml_json.h"

namespace gov::controller {
namespace {

core::Json Yaml(const std::string& text) {
  core::StatusOr<core::Json> j = core::YamlToJson(text);
  EXPECT_TRUE(j.ok()) << j.status().ToString();
  return j.ok() ? *j : core::Json();
}

constexpr const char* kTarget = R"(
name: api
maxReplicas: 10
metrics:
  - {name: rps, type: AverageValue, target: 100, source: push}
)";

TEST(PredictiveSpecTest, DefaultsFillInAndTheOnlyMetricIsChosen) {
  core::Json json = Yaml(kTarget);
  json["predictive"] = {{"mode", "forecastAndScale"}};
  core::StatusOr<TargetSpec> spec = ParseTargetSpec(json, "targets[0]");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  ASSERT_TRUE(spec->predictive.has_value());
  const PredictiveSpec& p = *spec->predictive;
  EXPECT_EQ(p.mode, PredictiveMode::kForecastAndScale);
  EXPECT_EQ(p.metric, "rps");
  EXPECT_FALSE(p.model.has_value());
  EXPECT_EQ(p.horizon_seconds, 3600);
  EXPECT_EQ(p.scheduling_buffer_seconds, 300);
  EXPECT_DOUBLE_EQ(p.quantile, 0.9);
  EXPECT_EQ(p.max_capacity_breach, MaxCapacityBreach::kHonor);
  EXPECT_DOUBLE_EQ(p.max_capacity_buffer_percent, 10);
  EXPECT_FALSE(spec->simulation.has_value());
}

TEST(PredictiveSpecTest, EveryFieldParsesAndRoundTrips) {
  core::Json json = Yaml(std::string(kTarget) + R"(
predictive:
  mode: forecastOnly
  metric: rps
  model: holtWinters
  horizonSeconds: 7200
  schedulingBufferSeconds: 600
  quantile: 0.8
  maxCapacityBreach: increase
  maxCapacityBufferPercent: 25
simulation: {capacityPerReplica: 120, startupSeconds: 300, syncSeconds: 60, initialReplicas: 3}
)");
  core::StatusOr<TargetSpec> spec = ParseTargetSpec(json, "targets[0]");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->predictive->model, predictors::ModelKind::kHoltWinters);
  EXPECT_EQ(spec->predictive->max_capacity_breach, MaxCapacityBreach::kIncrease);
  EXPECT_DOUBLE_EQ(spec->simulation->capacity_per_replica, 120);
  EXPECT_EQ(spec->simulation->sync_seconds, 60);
  EXPECT_EQ(spec->simulation->initial_replicas, 3);
  core::StatusOr<TargetSpec> again = ParseTargetSpec(TargetSpecToJson(*spec), "targets[0]");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, *spec);
}

TEST(PredictiveSpecTest, BadFieldsAreNamed) {
  struct Case {
    const char* yaml;
    const char* field;
  };
  const Case cases[] = {
      {"predictive: {metric: rps}", "targets[0].predictive.mode"},
      {"predictive: {mode: always}", "targets[0].predictive.mode"},
      {"predictive: {mode: forecastOnly, metric: cpu}", "targets[0].predictive.metric"},
      {"predictive: {mode: forecastOnly, model: arima}", "targets[0].predictive.model"},
      {"predictive: {mode: forecastOnly, horizonSeconds: 10}",
       "targets[0].predictive.horizonSeconds"},
      {"predictive: {mode: forecastOnly, schedulingBufferSeconds: 7200}",
       "targets[0].predictive.schedulingBufferSeconds"},
      {"predictive: {mode: forecastOnly, quantile: 1}", "targets[0].predictive.quantile"},
      {"predictive: {mode: forecastOnly, maxCapacityBreach: ignore}",
       "targets[0].predictive.maxCapacityBreach"},
      {"predictive: {mode: forecastOnly, maxCapacityBufferPercent: 101}",
       "targets[0].predictive.maxCapacityBufferPercent"},
      {"predictive: {mode: forecastOnly, extra: 1}", "targets[0].predictive.extra"},
      {"predictive: forecastOnly", "targets[0].predictive"},
      {"simulation: {startupSeconds: 300}", "targets[0].simulation.capacityPerReplica"},
      {"simulation: {capacityPerReplica: 0}", "targets[0].simulation.capacityPerReplica"},
      {"simulation: {capacityPerReplica: 10, initialReplicas: 0}",
       "targets[0].simulation.initialReplicas"},
  };
  for (const Case& c : cases) {
    core::StatusOr<TargetSpec> spec =
        ParseTargetSpec(Yaml(std::string(kTarget) + c.yaml), "targets[0]");
    ASSERT_FALSE(spec.ok()) << c.yaml;
    EXPECT_EQ(spec.status().field(), c.field) << c.yaml << ": " << spec.status().ToString();
  }
}

TEST(PredictiveSpecTest, MetricIsRequiredWithSeveralMetrics) {
  core::Json json = Yaml(std::string(kTarget));
  json["metrics"].push_back(
      {{"name", "cpu"}, {"type", "Utilization"}, {"target", 70}, {"source", "push"}});
  json["predictive"] = {{"mode", "forecastOnly"}};
  core::StatusOr<TargetSpec> spec = ParseTargetSpec(json, "t");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().field(), "t.predictive.metric");
  json["predictive"]["metric"] = "cpu";
  spec = ParseTargetSpec(json, "t");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->predictive->metric, "cpu");
}

}  // namespace
}  // namespace gov::controller
