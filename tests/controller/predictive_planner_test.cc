#include "controller/predictive_planner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>
#include <random>
#include <vector>

namespace gov::controller {
namespace {

using std::chrono::seconds;

constexpr std::size_t kDay = 288;  // 5-minute steps per day

const core::TimePoint kStart = core::FromUnixSeconds(1'736'121'600);  // a Monday, 00:00 UTC

// A daily cycle between 200 and 1000 (per 5-minute step) with a little noise.
std::vector<double> DailyLoad(std::size_t n, double noise, uint32_t seed = 3) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(0, noise);
  std::vector<double> y(n);
  for (std::size_t t = 0; t < n; ++t) {
    y[t] = 600 + 400 * std::sin(2 * std::numbers::pi * static_cast<double>(t) / 288) + normal(rng);
  }
  return y;
}

TargetSpec Spec(MaxCapacityBreach breach = MaxCapacityBreach::kHonor, int32_t max = 50) {
  TargetSpec spec;
  spec.name = "api";
  spec.min_replicas = 1;
  spec.max_replicas = max;
  spec.metrics = {{"rps", MetricType::kAverageValue, 100, {}}};
  PredictiveSpec p;
  p.mode = PredictiveMode::kForecastAndScale;
  p.metric = "rps";
  p.max_capacity_breach = breach;
  spec.predictive = p;
  return spec;
}

predictors::Series History(std::vector<double> values) {
  return predictors::Series{kStart, seconds(300), std::move(values)};
}

TEST(PredictivePlannerTest, TotalLoadFromAReading) {
  EXPECT_DOUBLE_EQ(*TotalLoad(MetricType::kAverageValue, 50, 4), 200);
  EXPECT_DOUBLE_EQ(*TotalLoad(MetricType::kUtilization, 70, 3), 210);
  EXPECT_DOUBLE_EQ(*TotalLoad(MetricType::kValue, 70, 3), 70);
  EXPECT_FALSE(TotalLoad(MetricType::kAverageValue, 50, 0).has_value());
  EXPECT_FALSE(TotalLoad(MetricType::kValue, std::nan(""), 2).has_value());
}

TEST(PredictivePlannerTest, ReplicasAreTheLoadOverTheTargetWithTheMaxRule) {
  PredictivePlan plan;
  TargetSpec spec = Spec();
  SetPlannedReplicas(spec, spec.metrics[0], 1234, plan);
  EXPECT_EQ(plan.replicas, 13);
  EXPECT_FALSE(plan.capped);
  // honor: at most maxReplicas.
  spec = Spec(MaxCapacityBreach::kHonor, 10);
  SetPlannedReplicas(spec, spec.metrics[0], 1234, plan);
  EXPECT_EQ(plan.replicas, 10);
  EXPECT_EQ(plan.unbounded_replicas, 13);
  EXPECT_TRUE(plan.capped);
  // increase: up to floor(10 x 1.1) = 11; with 50% buffer, 13 fits.
  spec = Spec(MaxCapacityBreach::kIncrease, 10);
  SetPlannedReplicas(spec, spec.metrics[0], 1234, plan);
  EXPECT_EQ(plan.replicas, 11);
  spec.predictive->max_capacity_buffer_percent = 50;
  SetPlannedReplicas(spec, spec.metrics[0], 1234, plan);
  EXPECT_EQ(plan.replicas, 13);
  EXPECT_FALSE(plan.capped);
  // Utilization: the target is a percent of one replica's reading, in the readings' units.
  spec = Spec();
  spec.metrics[0] = {"cpu", MetricType::kUtilization, 70, {}};
  SetPlannedReplicas(spec, spec.metrics[0], 700, plan);  // 700 = e.g. 10 replicas at 70%
  EXPECT_EQ(plan.replicas, 10);
}

TEST(PredictivePlannerTest, ForecastsASeasonalLoadAheadWithTheModelAndQuantile) {
  const std::vector<double> y = DailyLoad(14 * kDay, 10);
  TargetSpec spec = Spec();
  PredictivePlanner planner;
  const std::size_t n = 10 * kDay;
  predictors::Series history = History({y.begin(), y.begin() + n});
  const core::TimePoint now = history.TimeAt(n - 1);
  PredictivePlan plan = planner.Plan(spec, history, now);
  ASSERT_TRUE(plan.replicas.has_value()) << plan.message;
  EXPECT_TRUE(plan.skilled);
  EXPECT_EQ(plan.fallback, PlanFallback::kNone);
  ASSERT_TRUE(plan.model.has_value());
  ASSERT_TRUE(plan.provision_for.has_value());
  EXPECT_EQ(*plan.provision_for, now + seconds(300));
  // The forecast for the next step is close to the truth; the p90 is above the point.
  EXPECT_NEAR(*plan.forecast_load, y[n], 60);
  EXPECT_GE(*plan.forecast_load_quantile, *plan.forecast_load);
  EXPECT_EQ(*plan.replicas,
            static_cast<int32_t>(std::ceil(*plan.forecast_load_quantile / 100 - 1e-9)));
  EXPECT_DOUBLE_EQ(plan.quantile, 0.9);
  EXPECT_NE(plan.message.find("p90"), std::string::npos) << plan.message;
  EXPECT_NE(plan.message.find(predictors::ModelSpecName(*plan.model)), std::string::npos);
  ASSERT_TRUE(plan.skill_ratio.has_value());
  EXPECT_LT(*plan.skill_ratio, 0.9);
}

TEST(PredictivePlannerTest, RefitsOnAScheduleAndUpdatesStateBetweenFits) {
  const std::vector<double> y = DailyLoad(14 * kDay, 10);
  TargetSpec spec = Spec();
  PredictivePlanner planner;  // refits every 6 hours of data
  predictors::Series history = History({y.begin(), y.begin() + 10 * kDay});
  double abs_error = 0;
  std::size_t count = 0;
  for (std::size_t i = 10 * kDay; i < 11 * kDay; ++i) {
    const PredictivePlan plan = planner.Plan(spec, history, history.TimeAt(i - 1));
    ASSERT_TRUE(plan.forecast_load.has_value()) << plan.message;
    abs_error += std::abs(*plan.forecast_load - y[i]);
    ++count;
    history.values.push_back(y[i]);
  }
  // One day of syncs: the first fit and one every 6 hours, not one per sync.
  EXPECT_EQ(planner.FitCount(), 4u);
  // Between fits the state follows the data: one-step errors stay near the noise (10).
  EXPECT_LT(abs_error / static_cast<double>(count), 20);
}

TEST(PredictivePlannerTest, AnUnforecastableLoadIsNotTrustedAndProposesNothing) {
  // A random walk: "the load stays as it is" is the best forecast there is.
  std::mt19937 rng(11);
  std::normal_distribution<double> step(0, 20);
  std::vector<double> y(10 * kDay);
  double level = 2000;
  for (double& v : y) v = level = std::max(100.0, level + step(rng));
  PredictivePlanner planner;
  const predictors::Series history = History(y);
  const PredictivePlan plan = planner.Plan(Spec(), history, history.TimeAt(y.size() - 1));
  EXPECT_FALSE(plan.replicas.has_value());
  EXPECT_FALSE(plan.skilled);
  EXPECT_TRUE(plan.fallback == PlanFallback::kPoorSkill ||
              plan.fallback == PlanFallback::kPredictor)
      << PlanFallbackName(plan.fallback);
  EXPECT_FALSE(plan.message.empty());
}

TEST(PredictivePlannerTest, TooShortAHistoryFallsBackWithThePredictorsReason) {
  PredictivePlanner planner;
  const predictors::Series history = History(DailyLoad(288, 10));
  const PredictivePlan plan = planner.Plan(Spec(), history, history.TimeAt(287));
  EXPECT_FALSE(plan.replicas.has_value());
  EXPECT_EQ(plan.fallback, PlanFallback::kPredictor);
  EXPECT_EQ(plan.predictor_fallback, predictors::FallbackReason::kTooShort);
  EXPECT_NE(plan.message.find("tooShort"), std::string::npos) << plan.message;
  EXPECT_EQ(PlanFallbackName(PlanFallback::kPoorSkill), "poorSkill");
}

TEST(PredictivePlannerTest, WhileFallingBackItRefitsHourly) {
  PredictivePlanner planner;
  const std::vector<double> y = DailyLoad(3 * kDay, 10);
  predictors::Series history = History({y.begin(), y.begin() + 2 * kDay});
  planner.Plan(Spec(), history, history.TimeAt(history.values.size() - 1));
  EXPECT_EQ(planner.FitCount(), 1u);
  // Half an hour later: no refit yet; an hour after the fit: a refit.
  for (std::size_t i = 0; i < 12; ++i) {
    history.values.push_back(y[history.values.size()]);
    planner.Plan(Spec(), history, history.TimeAt(history.values.size() - 1));
    EXPECT_EQ(planner.FitCount(), i < 11 ? 1u : 2u) << i;
  }
}

TEST(PredictivePlannerTest, EmptyHistoryAndUnknownMetric) {
  PredictivePlanner planner;
  EXPECT_EQ(planner.Plan(Spec(), History({}), kStart).fallback, PlanFallback::kNoHistory);
  TargetSpec spec = Spec();
  spec.predictive->metric = "latency";
  EXPECT_EQ(planner.Plan(spec, History({1, 2}), kStart).fallback, PlanFallback::kUnknownMetric);
  spec.predictive.reset();
  EXPECT_EQ(planner.Plan(spec, History({1, 2}), kStart).fallback, PlanFallback::kUnknownMetric);
}

TEST(PredictivePlannerTest, PlanForTargetRedoesTheReplicasOnly) {
  const std::vector<double> y = DailyLoad(10 * kDay, 10);
  PredictivePlanner planner;
  const predictors::Series history = History(y);
  const PredictivePlan plan = planner.Plan(Spec(), history, history.TimeAt(y.size() - 1));
  ASSERT_TRUE(plan.replicas.has_value()) << plan.message;
  TargetSpec half = Spec();
  half.metrics[0].target = 50;
  const PredictivePlan again = PlanForTarget(half, plan);
  EXPECT_EQ(again.forecast_load_quantile, plan.forecast_load_quantile);
  EXPECT_EQ(*again.replicas,
            static_cast<int32_t>(std::ceil(*plan.forecast_load_quantile / 50 - 1e-9)));
}

}  // namespace
}  // namespace gov::controller
