// Decide with the predictive planner's output: the max rule, no scale-in by prediction,
// forecastOnly, the maxReplicas rules and the fallback to reactive.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "controller/decision.h"
#include "controller/decision_json.h"
#include "controller/predictive_planner.h"

namespace gov::controller {
namespace {

using std::chrono::seconds;

const core::TimePoint kNow = core::FromUnixSeconds(1'700'000'000);

TargetSpec Spec(PredictiveMode mode, MaxCapacityBreach breach = MaxCapacityBreach::kHonor) {
  TargetSpec spec;
  spec.name = "api";
  spec.min_replicas = 1;
  spec.max_replicas = 10;
  spec.metrics = {{"rps", MetricType::kAverageValue, 100, {}}};
  PredictiveSpec p;
  p.mode = mode;
  p.metric = "rps";
  p.max_capacity_breach = breach;
  spec.predictive = p;
  return spec;
}

// A trusted plan for `load` (p90) under `spec`.
PredictivePlan Plan(const TargetSpec& spec, double load) {
  PredictivePlan plan;
  plan.metric = "rps";
  plan.skilled = true;
  plan.provision_for = kNow + seconds(300);
  plan.forecast_load = load * 0.9;
  plan.forecast_load_quantile = load;
  plan.quantile = 0.9;
  plan.model = predictors::ModelSpec{predictors::ModelKind::kHoltWinters};
  plan.skill_ratio = 0.5;
  return PlanForTarget(spec, plan);
}

Observation Obs(int32_t current, double per_replica, std::optional<PredictivePlan> plan) {
  Observation obs;
  obs.current_replicas = current;
  obs.metrics = {{"rps", per_replica, kNow}};
  obs.plan = std::move(plan);
  return obs;
}

TargetState Known() {
  TargetState state;
  state.recommendations.emplace();
  return state;
}

TEST(DecisionPredictiveTest, ThePredictionRaisesTheReactiveCount) {
  const TargetSpec spec = Spec(PredictiveMode::kForecastAndScale);
  // Reactive: 3 replicas at 100 each = target -> 3. Prediction: p90 load 620 -> 7.
  const Decision d = Decide(spec, Known(), Obs(3, 100, Plan(spec, 620)), kNow);
  EXPECT_EQ(d.reactive_replicas, 3);
  EXPECT_EQ(d.desired_replicas, 7);
  EXPECT_EQ(d.replicas, 7);
  EXPECT_EQ(d.desired_source, DesiredSource::kPrediction);
  EXPECT_TRUE(d.prediction_acted);
  // The explanation names the forecast, the model and the quantile.
  EXPECT_NE(d.message.find("forecast rps load 558.00 (p90 620.00)"), std::string::npos)
      << d.message;
  EXPECT_NE(d.message.find("holtWinters"), std::string::npos) << d.message;
  const core::Json json = DecisionToJson(d);
  EXPECT_EQ(json["desiredSource"], "prediction");
  EXPECT_EQ(json["reactiveReplicas"], 3);
  EXPECT_EQ(json["prediction"]["replicas"], 7);
  EXPECT_EQ(json["prediction"]["acted"], true);
  EXPECT_EQ(json["prediction"]["quantile"], 0.9);
  EXPECT_EQ(json["prediction"]["forecastAtQuantile"], 620.0);
  EXPECT_EQ(json["prediction"]["model"], "holtWinters(additive, trend none, daily)");
  EXPECT_EQ(json["prediction"]["fallback"], "none");
}

TEST(DecisionPredictiveTest, ReactiveAboveThePredictionWins) {
  const TargetSpec spec = Spec(PredictiveMode::kForecastAndScale);
  // Reactive: 3 x 300 / 100 = 9 (the default scale-up policies then allow 7 at once).
  const Decision d = Decide(spec, Known(), Obs(3, 300, Plan(spec, 420)), kNow);
  EXPECT_EQ(d.desired_replicas, 9);
  EXPECT_EQ(d.replicas, 7);
  EXPECT_EQ(d.desired_source, DesiredSource::kMetrics);
  EXPECT_FALSE(d.prediction_acted);
}

TEST(DecisionPredictiveTest, APredictionAloneNeverScalesIn) {
  const TargetSpec spec = Spec(PredictiveMode::kForecastAndScale);
  // Reactive keeps 6 (at target); the forecast says 2 would do.
  const Decision d = Decide(spec, Known(), Obs(6, 100, Plan(spec, 150)), kNow);
  EXPECT_EQ(d.replicas, 6);
  EXPECT_EQ(d.desired_replicas, 6);
  EXPECT_FALSE(d.prediction_acted);
  // Reactive asks for 4 (a scale-down held by the default 300 s stabilization at 6): the
  // prediction of 2 does not lower it either.
  TargetState state = Known();
  state.recommendations->push_back({6, kNow - seconds(60)});
  const Decision held = Decide(spec, state, Obs(6, 60, Plan(spec, 150)), kNow);
  EXPECT_EQ(held.reactive_replicas, 4);
  EXPECT_EQ(held.desired_replicas, 4);
  EXPECT_EQ(held.replicas, 6);
}

TEST(DecisionPredictiveTest, ForecastOnlyRecordsWithoutActing) {
  const TargetSpec spec = Spec(PredictiveMode::kForecastOnly);
  const Decision d = Decide(spec, Known(), Obs(3, 100, Plan(spec, 620)), kNow);
  EXPECT_EQ(d.replicas, 3);
  EXPECT_EQ(d.desired_replicas, 3);
  EXPECT_EQ(d.desired_source, DesiredSource::kMetrics);
  EXPECT_FALSE(d.prediction_acted);
  EXPECT_TRUE(d.prediction_would_act);
  EXPECT_NE(d.message.find("forecastOnly: prediction would raise 3 to 7"), std::string::npos)
      << d.message;
  const core::Json json = DecisionToJson(d);
  EXPECT_EQ(json["prediction"]["wouldAct"], true);
  EXPECT_EQ(json["prediction"]["acted"], false);
}

TEST(DecisionPredictiveTest, HonorCapsAtMaxReplicas) {
  const TargetSpec spec = Spec(PredictiveMode::kForecastAndScale, MaxCapacityBreach::kHonor);
  const Decision d = Decide(spec, Known(), Obs(8, 100, Plan(spec, 1400)), kNow);
  EXPECT_EQ(d.plan->unbounded_replicas, 14);
  EXPECT_EQ(d.replicas, 10);
}

TEST(DecisionPredictiveTest, IncreaseGoesAboveMaxByTheBufferForPredictionOnly) {
  TargetSpec spec = Spec(PredictiveMode::kForecastAndScale, MaxCapacityBreach::kIncrease);
  // 14 wanted; maxReplicas 10 + 10% -> 11.
  const Decision d = Decide(spec, Known(), Obs(8, 100, Plan(spec, 1400)), kNow);
  EXPECT_EQ(d.plan->replicas, 11);
  EXPECT_EQ(d.replicas, 11);
  // At 11 the next sync does not snap back to maxReplicas while the prediction holds.
  const Decision next = Decide(spec, Known(), Obs(11, 100, Plan(spec, 1400)), kNow);
  EXPECT_EQ(next.replicas, 11);
  // Reactive alone never goes above maxReplicas: without a plan, 11 is clamped to 10.
  const Decision reactive = Decide(spec, Known(), Obs(11, 100, std::nullopt), kNow);
  EXPECT_EQ(reactive.replicas, 10);
  // Nor does a reactive proposal above max under `increase`: 3 x 500 / 100 = 15 -> 11 only
  // because the prediction asks for 11.
  const Decision both = Decide(spec, Known(), Obs(3, 500, Plan(spec, 1400)), kNow);
  EXPECT_LE(both.replicas, 11);
}

TEST(DecisionPredictiveTest, AFallbackLeavesTheDecisionReactiveAndSaysWhy) {
  const TargetSpec spec = Spec(PredictiveMode::kForecastAndScale);
  PredictivePlan plan;
  plan.metric = "rps";
  plan.fallback = PlanFallback::kPredictor;
  plan.predictor_fallback = predictors::FallbackReason::kNotBetterThanPersistence;
  plan.message = "no forecast (notBetterThanPersistence): no model beats the current value";
  const Decision d = Decide(spec, Known(), Obs(3, 200, plan), kNow);
  EXPECT_EQ(d.replicas, 6);
  EXPECT_EQ(d.desired_source, DesiredSource::kMetrics);
  EXPECT_NE(d.message.find("prediction proposes nothing (no forecast "
                           "(notBetterThanPersistence)"),
            std::string::npos)
      << d.message;
  const core::Json json = DecisionToJson(d);
  EXPECT_TRUE(json["prediction"]["replicas"].is_null());
  EXPECT_EQ(json["prediction"]["fallback"], "predictor");
  EXPECT_EQ(json["prediction"]["predictorFallback"], "notBetterThanPersistence");
}

TEST(DecisionPredictiveTest, WithoutAPredictiveBlockThePlanIsIgnoredAndTheJsonUnchanged) {
  TargetSpec spec = Spec(PredictiveMode::kForecastAndScale);
  const PredictivePlan plan = Plan(spec, 620);
  spec.predictive.reset();
  const Decision d = Decide(spec, Known(), Obs(3, 100, plan), kNow);
  EXPECT_EQ(d.replicas, 3);
  EXPECT_FALSE(d.plan.has_value());
  const core::Json json = DecisionToJson(d);
  EXPECT_FALSE(json.contains("prediction"));
  EXPECT_FALSE(json.contains("desiredSource"));
}

TEST(DecisionPredictiveTest, DesiredSourceNames) {
  EXPECT_EQ(DesiredSourceName(DesiredSource::kPrediction), "prediction");
  EXPECT_EQ(*ParseDesiredSource("given"), DesiredSource::kGiven);
  EXPECT_FALSE(ParseDesiredSource("oracle").ok());
}

}  // namespace
}  // namespace gov::controller
