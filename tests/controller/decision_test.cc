// Decide and ProposeReplicas. Rows marked with a Kubernetes source are ports of
// kubernetes/kubernetes pkg/controller/podautoscaler/{replica_calculator,horizontal}_test.go:
// inputs translated to Governor's per-replica averages (the test's expectedUtilization is the
// `current` value), expected replicas copied from the Go table. Rows marked "Governor" test
// rules Kubernetes does not have (cooldown, staleness), with expectations from Governor's
// documented rules.
#include "controller/decision.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace gov::controller {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const core::TimePoint kNow = core::FromUnixSeconds(1'700'000'000);
constexpr double kTolerance = 0.1;  // replica_calculator.go defaultTestingTolerance

struct ProposalRow {
  std::string source;
  MetricType type;
  double current;  // mean over ready replicas (Utilization, AverageValue) or total (Value)
  double target;
  int32_t current_replicas;
  int32_t ready_replicas;
  int32_t expected;
};

TEST(ProposeReplicasTest, ReplicaCalculatorCases) {
  // Utilization rows: `current` is HPA's computed utilization (expectedUtilization). Pods HPA
  // ignores (failed, deleted, pending) are simply not replicas here; unready/hot-CPU pods are
  // current - ready. AverageValue rows use milli-values like the Go tests.
  const auto U = MetricType::kUtilization;
  const auto A = MetricType::kAverageValue;
  const auto V = MetricType::kValue;
  const std::string s = "replica_calculator_test.go:";
  const std::vector<ProposalRow> rows = {
      {s + "TestReplicaCalcScaleUp", U, 50, 30, 3, 3, 5},
      {s + "TestReplicaCalcScaleUpUnreadyLessScale", U, 60, 30, 3, 2, 4},
      {s + "TestReplicaCalcScaleUpHotCpuLessScale", U, 60, 30, 3, 2, 4},
      {s + "TestReplicaCalcScaleUpUnreadyNoScale", U, 40, 30, 3, 1, 3},
      {s + "TestReplicaCalcScaleHotCpuNoScale", U, 40, 30, 3, 1, 3},
      {s + "TestReplicaCalcScaleUpIgnoresFailedPods", U, 60, 30, 2, 2, 4},
      {s + "TestReplicaCalcScaleUpIgnoresDeletionPods", U, 60, 30, 2, 2, 4},
      {s + "TestReplicaCalcScaleUpCM", A, 20000, 15000, 3, 3, 4},
      // Readiness only matters for CPU in HPA's groupPods, so all three pods count as ready.
      {s + "TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale", A, 30000, 15000, 3, 3, 6},
      {s + "TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown", A, 31666, 15000, 3, 3, 7},
      {s + "TestReplicaCalcScaleUpCMObject", V, 20000, 15000, 3, 3, 4},
      {s + "TestReplicaCalcScaleUpCMObjectIgnoresUnreadyPods", V, 50000, 10000, 3, 1, 5},
      {s + "TestReplicaCalcScaleUpCMExternal", A, 8600, 4400, 1, 1, 2},
      {s + "TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods", V, 8600, 4400, 3, 1, 2},
      {s + "TestReplicaCalcScaleUpCMExternalNoLabels", A, 8600, 4400, 1, 1, 2},
      {s + "TestReplicaCalcScaleDown", U, 28, 50, 5, 5, 3},
      {s + "TestReplicaCalcScaleDownCM", A, 12000, 20000, 5, 5, 3},
      {s + "TestReplicaCalcScaleDownCMObject", V, 12000, 20000, 5, 5, 3},
      {s + "TestReplicaCalcScaleDownCMExternal", V, 8600, 14334, 5, 5, 3},
      {s + "TestReplicaCalcScaleDownIncludeUnreadyPods", U, 30, 50, 5, 3, 2},
      {s + "TestReplicaCalcScaleDownExcludeUnscheduledPods", U, 10, 50, 5, 1, 1},
      {s + "TestReplicaCalcScaleDownIgnoreHotCpuPods", U, 30, 50, 5, 3, 2},
      {s + "TestReplicaCalcScaleDownIgnoresFailedPods", U, 28, 50, 5, 5, 3},
      {s + "TestReplicaCalcScaleDownIgnoresDeletionPods", U, 28, 50, 5, 5, 3},
      {s + "TestReplicaCalcTolerance", U, 102, 100, 3, 3, 3},
      {s + "TestReplicaCalcToleranceCM", A, 20666, 20000, 3, 3, 3},
      {s + "TestReplicaCalcToleranceCMObject", V, 20666, 20000, 3, 3, 3},
      {s + "TestReplicaCalcToleranceCMExternal", V, 8600, 8888, 3, 3, 3},
      {s + "TestReplicaCalcSuperfluousMetrics", U, 587, 100, 4, 4, 24},
  };
  for (const ProposalRow& row : rows) {
    SCOPED_TRACE(row.source);
    const std::optional<int32_t> got =
        ProposeReplicas(row.type, row.current, row.target, row.current_replicas, row.ready_replicas,
                        kTolerance, kTolerance);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(*got, row.expected);
  }
}

TEST(ProposeReplicasTest, ComputedToleranceAlgImplementation) {
  // replica_calculator_test.go:TestReplicaCalcComputedToleranceAlgImplementation, evaluated
  // with the same expressions: 10 pods at 150m used of 300m requested (50%).
  const int32_t start_pods = 10;
  const int64_t used = start_pods * 150;
  const int32_t requested = static_cast<int32_t>(2 * used);
  const double requested_to_used = static_cast<double>(requested / static_cast<int32_t>(used));
  const int32_t utilization = static_cast<int32_t>(used * 100 / requested);  // 50
  // Just beyond the tolerance: scales down to ceil(resourcesUsedRatio * startPods).
  double target = std::abs(1 / (requested_to_used * (1 - kTolerance))) + .01;
  int32_t target_percent = static_cast<int32_t>(target * 100);
  const double used_ratio = static_cast<double>(used) / (static_cast<double>(requested) * target);
  const int32_t final_pods = static_cast<int32_t>(std::ceil(used_ratio * start_pods));
  EXPECT_EQ(ProposeReplicas(MetricType::kUtilization, utilization, target_percent, start_pods,
                            start_pods, kTolerance, kTolerance),
            final_pods);
  // Just inside the tolerance: no change.
  target = std::abs(1 / (requested_to_used * (1 - kTolerance))) + .004;
  target_percent = static_cast<int32_t>(target * 100);
  EXPECT_EQ(ProposeReplicas(MetricType::kUtilization, utilization, target_percent, start_pods,
                            start_pods, kTolerance, kTolerance),
            start_pods);
}

TEST(ProposeReplicasTest, MissingInputs) {
  // replica_calculator.go: no metrics for ready pods is an error (a missing metric).
  EXPECT_FALSE(ProposeReplicas(MetricType::kUtilization, 50, 30, 3, 0, 0.1, 0.1).has_value());
  EXPECT_FALSE(ProposeReplicas(MetricType::kAverageValue, 50, 30, 3, 0, 0.1, 0.1).has_value());
  // Governor: HPA would propose ceil(ratio × 0) = 0 for Value; Governor calls it missing.
  EXPECT_FALSE(ProposeReplicas(MetricType::kValue, 50, 30, 3, 0, 0.1, 0.1).has_value());
  EXPECT_FALSE(ProposeReplicas(MetricType::kValue, std::nan(""), 30, 3, 3, 0.1, 0.1).has_value());
}

TEST(ProposeReplicasTest, DirectionalTolerances) {
  // replica_calculator.go Tolerances.isWithin: (1 - scaleDown) <= ratio <= (1 + scaleUp).
  // ratio 1.15 is outside a 0.1 scale-up tolerance but inside 0.2.
  EXPECT_EQ(ProposeReplicas(MetricType::kUtilization, 115, 100, 10, 10, 0.1, 0.1), 12);
  EXPECT_EQ(ProposeReplicas(MetricType::kUtilization, 115, 100, 10, 10, 0.2, 0.1), 10);
  // ratio 0.85: outside 0.1 scale-down tolerance, inside 0.2.
  EXPECT_EQ(ProposeReplicas(MetricType::kUtilization, 85, 100, 10, 10, 0.1, 0.1), 9);
  EXPECT_EQ(ProposeReplicas(MetricType::kUtilization, 85, 100, 10, 10, 0.1, 0.2), 10);
}

// --- Decide -------------------------------------------------------------------------------

MetricSpec Metric(std::string name, MetricType type, double target) {
  MetricSpec m;
  m.name = std::move(name);
  m.type = type;
  m.target = target;
  return m;
}

TargetSpec Spec(int32_t min, int32_t max, std::vector<MetricSpec> metrics = {}) {
  TargetSpec spec;
  spec.name = "t";
  spec.min_replicas = min;
  spec.max_replicas = max;
  spec.metrics = std::move(metrics);
  return spec;
}

Observation Observe(int32_t current, std::vector<MetricReading> readings,
                    std::optional<int32_t> ready = std::nullopt) {
  Observation obs;
  obs.current_replicas = current;
  obs.ready_replicas = ready;
  obs.metrics = std::move(readings);
  return obs;
}

Observation Desire(int32_t current, int32_t desired) {
  Observation obs;
  obs.current_replicas = current;
  obs.desired_replicas = desired;
  return obs;
}

TargetState KnownEmptyHistory() {
  TargetState state;
  state.recommendations.emplace();
  return state;
}

struct DecideRow {
  std::string source;
  TargetSpec spec;
  TargetState state;
  Observation observation;
  int32_t expected_replicas;
  std::string expected_reason;  // empty: not checked by the Kubernetes test
};

TEST(DecideTest, HorizontalControllerCases) {
  // Kubernetes runs these through the whole controller. A nil `recommendations` in the Go test
  // case means no history (the controller seeds {current, now}); an explicit empty list means
  // a known-empty history. Rows without behavior use HPA's default behavior here; Kubernetes
  // used its legacy path, which gives the same result for these inputs.
  const auto U = MetricType::kUtilization;
  const auto A = MetricType::kAverageValue;
  const auto V = MetricType::kValue;
  const std::string s = "horizontal_test.go:";

  TargetSpec scale_down_rules = Spec(2, 6, {Metric("cpu", U, 50)});
  scale_down_rules.behavior.scale_up = {
      30, SelectPolicy::kMax, {{ScalingPolicyType::kPercent, 100, 15}}, {}};
  TargetState stabilize_downscale;
  stabilize_downscale.recommendations =
      std::vector<Recommendation>{{10, kNow - minutes(10)}, {4, kNow - minutes(1)}};

  const std::vector<DecideRow> rows = {
      {s + "TestScaleUpDeployment",
       Spec(2, 6, {Metric("cpu", U, 30)}),
       {},
       Observe(3, {{"cpu", 50, {}}}),
       5,
       "DesiredWithinRange"},
      {s + "TestScaleUpUnreadyLessScale",
       Spec(2, 6, {Metric("cpu", U, 30)}),
       {},
       Observe(3, {{"cpu", 60, {}}}, 2),
       4,
       "DesiredWithinRange"},
      {s + "TestScaleUpUnreadyNoScale",
       Spec(2, 6, {Metric("cpu", U, 30)}),
       {},
       Observe(3, {{"cpu", 40, {}}}, 1),
       3,
       "DesiredWithinRange"},
      {s + "TestScaleUpIgnoresFailedPods",
       Spec(2, 6, {Metric("cpu", U, 30)}),
       {},
       Observe(2, {{"cpu", 60, {}}}),
       4,
       "DesiredWithinRange"},
      {s + "TestScaleUpCM",
       Spec(2, 6, {Metric("qps", A, 15000)}),
       {},
       Observe(3, {{"qps", 20000, {}}}),
       4,
       ""},
      {s + "TestScaleUpCMUnreadyAndHotCpuNoLessScale",
       Spec(2, 6, {Metric("qps", A, 15000)}),
       {},
       Observe(3, {{"qps", 30000, {}}}),
       6,
       ""},
      {s + "TestScaleUpCMUnreadyandCpuHot",
       Spec(2, 6, {Metric("qps", A, 15000)}),
       {},
       Observe(3, {{"qps", 31666, {}}}),
       6,
       "TooManyReplicas"},
      {s + "TestNoBackoffUpscaleCM",
       Spec(1, 5, {Metric("qps", A, 15000)}),
       {},
       Observe(3, {{"qps", 20000, {}}}),
       4,
       "DesiredWithinRange"},
      // CPU: 60000m used of 3000m requested = 2000% against a 10% target.
      {s + "TestNoBackoffUpscaleCMNoBackoffCpu",
       Spec(1, 5, {Metric("cpu", U, 10), Metric("qps", A, 15000)}),
       {},
       Observe(3, {{"cpu", 2000, {}}, {"qps", 20000, {}}}),
       5,
       "TooManyReplicas"},
      {s + "TestScaleDownWithScalingRules", scale_down_rules, KnownEmptyHistory(),
       Observe(5, {{"cpu", 28, {}}}), 3, ""},
      // 3 pods report 50m of 100m (50%) against 100%; statusReplicas is 4.
      {s + "TestStabilizeDownscale", Spec(1, 5, {Metric("cpu", U, 100)}), stabilize_downscale,
       Observe(4, {{"cpu", 50, {}}}, 3), 4, "ScaleDownStabilized"},
      {s + "TestScaleUpOneMetricEmpty",
       Spec(2, 6, {Metric("cpu", U, 30), Metric("qps", V, 100)}),
       {},
       Observe(3, {{"cpu", 40, {}}}),
       4,
       ""},
      {s + "TestNoScaleDownOneMetricEmpty",
       Spec(2, 6, {Metric("cpu", U, 50), Metric("qps", V, 1000)}), KnownEmptyHistory(),
       Observe(5, {{"cpu", 28, {}}, {"qps", std::nullopt, {}}}), 5, "MissingMetrics"},
      // The invalid ("CheddarCheese") metric is one Governor's parser rejects; at decision time
      // it is a metric with no usable reading.
      {s + "TestNoScaleDownOneMetricInvalid",
       Spec(2, 6, {Metric("cpu", U, 50), Metric("cheese", V, 1)}), KnownEmptyHistory(),
       Observe(5, {{"cpu", 28, {}}}), 5, "MissingMetrics"},
      // Current outside [min, max]: the metrics are not consulted (CPU reads 0% and 616%).
      {s + "TestScaleUpRCImmediately",
       Spec(2, 6, {Metric("cpu", U, 80)}),
       {},
       Observe(1, {{"cpu", 0, {}}}),
       2,
       "TooFewReplicas"},
      {s + "TestScaleDownRCImmediately",
       Spec(2, 5, {Metric("cpu", U, 50)}),
       {},
       Observe(6, {{"cpu", 616, {}}}),
       5,
       "TooManyReplicas"},
  };
  for (const DecideRow& row : rows) {
    SCOPED_TRACE(row.source);
    const Decision d = Decide(row.spec, row.state, row.observation, kNow);
    EXPECT_EQ(d.replicas, row.expected_replicas) << d.message;
    if (!row.expected_reason.empty()) {
      EXPECT_EQ(DecisionReasonName(d.reason), row.expected_reason) << d.message;
    }
  }
}

TEST(DecideTest, ScaledToZeroDisablesAutoscaling) {
  // horizontal.go reconcileAutoscaler: "scaling is disabled since the replica count of the
  // target is zero" (minReplicas != 0).
  const Decision d = Decide(Spec(1, 10), {}, Desire(0, 5), kNow);
  EXPECT_EQ(d.replicas, 0);
  EXPECT_EQ(DecisionReasonName(d.reason), "ScalingDisabled");
  EXPECT_FALSE(d.scale_up_event.has_value());
}

TEST(DecideTest, UnknownHistoryIsSeededWithCurrent) {
  // horizontal.go recordInitialRecommendation: after a restart the controller does not scale
  // down within the scale-down window, because the seed {current, now} is in it.
  const Decision d = Decide(Spec(1, 10), {}, Desire(8, 2), kNow);
  EXPECT_EQ(d.replicas, 8);
  EXPECT_EQ(DecisionReasonName(d.reason), "ScaleDownStabilized");
  ASSERT_EQ(d.new_recommendations.size(), 2u);
  EXPECT_EQ(d.new_recommendations[0], (Recommendation{8, kNow}));
  EXPECT_EQ(d.new_recommendations[1], (Recommendation{2, kNow}));
  // A known-empty history scales down at once (default 100% per 15 s; minReplicas 1).
  const Decision known = Decide(Spec(1, 10), KnownEmptyHistory(), Desire(8, 2), kNow);
  EXPECT_EQ(known.replicas, 2);
  EXPECT_EQ(DecisionReasonName(known.reason), "DesiredWithinRange");
  ASSERT_EQ(known.new_recommendations.size(), 1u);
  EXPECT_EQ(known.scale_down_event, (ScaleEvent{6, kNow}));
}

TEST(DecideTest, MissingMetricsNeverScaleDown) {
  // Governor's rule (and computeReplicasForMetrics): scale up if the present metrics ask for
  // it, otherwise keep the count.
  const TargetSpec spec = Spec(
      1, 20,
      {Metric("cpu", MetricType::kUtilization, 50), Metric("rps", MetricType::kAverageValue, 100)});
  // cpu 100% of 50% -> 20; rps missing: scale up (limited by default policies: max(14, 20)).
  Decision up = Decide(spec, KnownEmptyHistory(), Observe(10, {{"cpu", 100, {}}}), kNow);
  EXPECT_EQ(up.replicas, 20);
  ASSERT_EQ(up.proposals.size(), 2u);
  EXPECT_TRUE(up.proposals[1].missing);
  EXPECT_EQ(up.proposals[0].replicas, 20);
  // cpu 25% of 50% -> 5; rps missing: keep 10.
  Decision down = Decide(spec, KnownEmptyHistory(), Observe(10, {{"cpu", 25, {}}}), kNow);
  EXPECT_EQ(down.replicas, 10);
  EXPECT_EQ(DecisionReasonName(down.reason), "MissingMetrics");
  ASSERT_EQ(down.limits.size(), 1u);
  EXPECT_EQ(down.limits[0].metrics, std::vector<std::string>{"rps"});
  EXPECT_TRUE(down.new_recommendations.empty());  // HPA records nothing on this path
  // cpu within tolerance -> 10 == current; rps missing: proceeds, keeps 10.
  Decision same = Decide(spec, KnownEmptyHistory(), Observe(10, {{"cpu", 52, {}}}), kNow);
  EXPECT_EQ(same.replicas, 10);
  EXPECT_EQ(DecisionReasonName(same.reason), "DesiredWithinRange");
  // Everything missing.
  Decision none = Decide(spec, KnownEmptyHistory(), Observe(10, {}), kNow);
  EXPECT_EQ(none.replicas, 10);
  EXPECT_EQ(DecisionReasonName(none.reason), "MissingMetrics");
}

TEST(DecideTest, StaleReadingsCountAsMissing) {
  // Governor: a reading older than metricMaxAgeSeconds (default 3 sync periods = 45 s) is
  // missing, so a stale low reading cannot scale down.
  const TargetSpec spec = Spec(1, 20, {Metric("cpu", MetricType::kUtilization, 50)});
  const Decision stale =
      Decide(spec, KnownEmptyHistory(), Observe(10, {{"cpu", 10, kNow - seconds(46)}}), kNow);
  EXPECT_EQ(stale.replicas, 10);
  EXPECT_EQ(DecisionReasonName(stale.reason), "MissingMetrics");
  EXPECT_TRUE(stale.proposals[0].stale);
  const Decision fresh =
      Decide(spec, KnownEmptyHistory(), Observe(10, {{"cpu", 10, kNow - seconds(45)}}), kNow);
  EXPECT_EQ(fresh.replicas, 2);
}

TEST(DecideTest, CooldownOnTopOfBehavior) {
  // Governor: no scale-up until scaleUpSeconds have passed since the last
  // scale-up; no scale-down until scaleDownSeconds have passed since the last scaling action
  // of either direction. The reason says Cooldown and gives the seconds left.
  TargetSpec spec = Spec(1, 50);
  spec.cooldown = {60, 300};

  TargetState state = KnownEmptyHistory();
  state.last_scale_up = kNow - seconds(18);
  Decision d = Decide(spec, state, Desire(10, 12), kNow);
  EXPECT_EQ(d.replicas, 10);
  EXPECT_EQ(DecisionReasonName(d.reason), "Cooldown");
  ASSERT_FALSE(d.limits.empty());
  EXPECT_EQ(LimitKindName(d.limits.back().kind), "Cooldown");
  EXPECT_EQ(d.limits.back().seconds_left, 42);
  EXPECT_EQ(d.limits.back().direction, ScaleDirection::kUp);
  EXPECT_FALSE(d.scale_up_event.has_value());
  EXPECT_EQ(d.new_recommendations.size(), 1u);  // the recommendation is still recorded

  state.last_scale_up = kNow - seconds(60);  // exactly elapsed
  EXPECT_EQ(Decide(spec, state, Desire(10, 12), kNow).replicas, 12);

  // A scale-down only cares about the last action of either direction.
  state.last_scale_up = kNow - seconds(1000);
  state.last_scale_down = kNow - seconds(100);
  d = Decide(spec, state, Desire(10, 6), kNow);
  EXPECT_EQ(d.replicas, 10);
  EXPECT_EQ(DecisionReasonName(d.reason), "Cooldown");
  EXPECT_EQ(d.limits.back().seconds_left, 200);
  EXPECT_EQ(d.limits.back().direction, ScaleDirection::kDown);
  state.last_scale_up = kNow - seconds(250);
  state.last_scale_down = std::nullopt;
  EXPECT_EQ(Decide(spec, state, Desire(10, 6), kNow).limits.back().seconds_left, 50);
  state.last_scale_up = kNow - seconds(300);
  EXPECT_EQ(Decide(spec, state, Desire(10, 6), kNow).replicas, 6);
  // Scale-ups ignore the last scale-down.
  state.last_scale_up = std::nullopt;
  state.last_scale_down = kNow - seconds(1);
  EXPECT_EQ(Decide(spec, state, Desire(10, 12), kNow).replicas, 12);
  // Fractional time left rounds up.
  state.last_scale_up = kNow - std::chrono::milliseconds(59'500);
  EXPECT_EQ(Decide(spec, state, Desire(10, 12), kNow).limits.back().seconds_left, 1);
}

TEST(DecideTest, ExplainsLimits) {
  TargetSpec spec = Spec(1, 100);
  spec.behavior.scale_up.policies = {{ScalingPolicyType::kPods, 4, 60}};
  TargetState state = KnownEmptyHistory();
  state.scale_up_events = {{2, kNow - seconds(30)}, {5, kNow - seconds(90)}};
  // periodStart = 10 - 2 = 8; limit 8 + 4 = 12.
  const Decision d = Decide(spec, state, Desire(10, 30), kNow);
  EXPECT_EQ(d.replicas, 12);
  EXPECT_EQ(DecisionReasonName(d.reason), "ScaleUpLimit");
  ASSERT_EQ(d.limits.size(), 1u);
  EXPECT_EQ(LimitKindName(d.limits[0].kind), "ScaleUpLimit");
  EXPECT_EQ(d.limits[0].value, 12);
  EXPECT_EQ(d.limits[0].policy, "Pods 4 per 60s");
  EXPECT_EQ(d.scale_up_event, (ScaleEvent{2, kNow}));
  EXPECT_NE(d.message.find("Pods 4 per 60s"), std::string::npos) << d.message;
  EXPECT_NE(d.message.find("10 -> 12"), std::string::npos) << d.message;
}

TEST(DecideTest, PruneStateKeepsDecisionsIdentical) {
  TargetSpec spec = Spec(1, 100, {Metric("cpu", MetricType::kUtilization, 50)});
  spec.behavior.scale_up.stabilization_window_seconds = 60;
  TargetState state;
  state.recommendations.emplace();
  for (int i = 0; i < 40; ++i) {  // one every 15 s over the last 10 minutes
    state.recommendations->push_back({10 + (i * 7) % 13, kNow - seconds(15 * i)});
  }
  for (int i = 0; i < 10; ++i) {
    state.scale_up_events.push_back({1 + i % 3, kNow - seconds(20 * i)});
    state.scale_down_events.push_back({1 + i % 2, kNow - seconds(25 * i)});
  }
  const TargetState pruned = PruneState(spec.behavior, state, kNow);
  EXPECT_LT(pruned.recommendations->size(), state.recommendations->size());
  EXPECT_LT(pruned.scale_up_events.size(), state.scale_up_events.size());
  for (double cpu : {10.0, 45.0, 50.0, 80.0, 200.0}) {
    SCOPED_TRACE(cpu);
    const Observation obs = Observe(14, {{"cpu", cpu, {}}});
    const Decision a = Decide(spec, state, obs, kNow);
    const Decision b = Decide(spec, pruned, obs, kNow);
    EXPECT_EQ(a.replicas, b.replicas);
    EXPECT_EQ(a.reason, b.reason);
    EXPECT_EQ(a.message, b.message);
  }
}

}  // namespace
}  // namespace gov::controller
