// The controller's Prometheus series (the forecast gauges too), read back through the text
// exposition format.

#include "controller/controller_metrics.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <sstream>

namespace gov::controller {
namespace {

std::string Render(prometheus::Registry& registry) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry.Collect());
  return out.str();
}

bool Has(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(ControllerMetricsTest, ExportsPerTargetGaugesAndCounters) {
  prometheus::Registry registry;
  ControllerMetrics m(registry);
  TargetSpec spec;
  spec.name = "web";
  spec.min_replicas = 3;
  spec.max_replicas = 50;
  spec.mode = TargetMode::kDryRun;
  spec.metrics = {{"cpu", MetricType::kUtilization, 70, {}},
                  {"rps", MetricType::kAverageValue, 1000, {}}};
  SyncRecord r;
  r.decision.current_replicas = 3;
  r.decision.replicas = 6;
  MetricSample cpu;
  cpu.value = 140;
  r.metrics = {{"cpu", cpu}, {"rps", MetricSample{}}};
  m.ObserveSync(spec, r, 6);
  m.CountAction("web", ScaleDirection::kUp);
  m.CountAction("web", ScaleDirection::kUp);
  m.CountAction("web", ScaleDirection::kDown);
  m.CountHookFailure("web");
  m.SetLeader(true, 7);
  const std::string text = Render(registry);
  EXPECT_TRUE(Has(text, "governor_target_replicas{target=\"web\"} 6")) << text;
  EXPECT_TRUE(Has(text, "governor_target_desired_replicas{target=\"web\"} 6"));
  EXPECT_TRUE(Has(text, "governor_target_min_replicas{target=\"web\"} 3"));
  EXPECT_TRUE(Has(text, "governor_target_max_replicas{target=\"web\"} 50"));
  EXPECT_TRUE(Has(text, "governor_target_dry_run{target=\"web\"} 1"));
  EXPECT_TRUE(Has(text, "governor_target_metric_value{metric=\"cpu\",target=\"web\"} 140"));
  EXPECT_TRUE(Has(text, "governor_target_metric_value{metric=\"rps\",target=\"web\"} Nan"));
  EXPECT_TRUE(Has(text, "governor_target_metric_target{metric=\"rps\",target=\"web\"} 1000"));
  EXPECT_TRUE(Has(text, "governor_target_scale_actions_total{direction=\"up\",target=\"web\"} 2"));
  EXPECT_TRUE(
      Has(text, "governor_target_scale_actions_total{direction=\"down\",target=\"web\"} 1"));
  EXPECT_TRUE(Has(text, "governor_target_hook_failures_total{target=\"web\"} 1"));
  EXPECT_TRUE(Has(text, "governor_controller_leader 1"));
  EXPECT_TRUE(Has(text, "governor_controller_epoch 7"));

  // A metric removed from the spec loses its series; a forgotten target loses all of them.
  spec.metrics.pop_back();
  m.ObserveSync(spec, r, 6);
  EXPECT_EQ(Render(registry).find("metric=\"rps\""), std::string::npos);
  m.ForgetTarget("web");
  m.SetLeader(false, 7);
  const std::string after = Render(registry);
  EXPECT_EQ(after.find("target=\"web\""), std::string::npos) << after;
  EXPECT_TRUE(Has(after, "governor_controller_epoch 0"));
}

TEST(ForecastMetricsTest, APlanSetsThePointAndQuantileGaugesAndTheMase) {
  prometheus::Registry registry;
  ControllerMetrics m(registry);
  PredictivePlan plan;
  plan.metric = "rps";
  plan.quantile = 0.95;
  plan.forecast_load = 1200;
  plan.forecast_load_quantile = 1500;
  m.ObserveForecast("web", &plan, 0.71);
  std::string text = Render(registry);
  EXPECT_TRUE(
      Has(text, "governor_target_forecast{metric=\"rps\",quantile=\"point\",target=\"web\"} 1200"))
      << text;
  EXPECT_TRUE(
      Has(text, "governor_target_forecast{metric=\"rps\",quantile=\"0.95\",target=\"web\"} 1500"));
  EXPECT_TRUE(Has(text, "governor_target_forecast_mase{target=\"web\"} 0.71"));

  // A fallback without a forecast removes the series rather than leaving stale values.
  PredictivePlan fallback;
  fallback.metric = "rps";
  m.ObserveForecast("web", &fallback, std::nullopt);
  text = Render(registry);
  EXPECT_EQ(text.find("governor_target_forecast{"), std::string::npos) << text;
  EXPECT_EQ(text.find("governor_target_forecast_mase{"), std::string::npos) << text;

  m.ObserveForecast("web", &plan, 0.5);
  m.ForgetTarget("web");
  text = Render(registry);
  EXPECT_EQ(text.find("target=\"web\""), std::string::npos) << text;
}

}  // namespace
}  // namespace gov::controller
