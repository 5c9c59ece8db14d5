// Ports of the Kubernetes HPA behavior tests. Every row names its source case; expected
// numbers are copied from the Kubernetes tables (kubernetes/kubernetes,
// pkg/controller/podautoscaler/horizontal_test.go and pkg/apis/autoscaling/v2/defaults_test.go),
// not computed by this code.
#include "controller/behavior.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "controller/behavior_limits.h"

namespace gov::controller {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const core::TimePoint kNow = core::FromUnixSeconds(1'700'000'000);

// horizontal_test.go generateScalingRules: selectPolicy Max, a Pods policy if pods != 0 and a
// Percent policy if percent != 0. A rules value that ends up with no policies keeps the
// defaults' policies, as GenerateHPAScale{Up,Down}Rules (copyHPAScalingRules) does.
ScalingRules GenerateScalingRules(const ScalingRules& defaults, int32_t pods, int32_t pods_period,
                                  int32_t percent, int32_t percent_period, int32_t window) {
  ScalingRules rules = defaults;
  rules.select_policy = SelectPolicy::kMax;
  rules.stabilization_window_seconds = window;
  std::vector<ScalingPolicy> policies;
  if (pods != 0) policies.push_back({ScalingPolicyType::kPods, pods, pods_period});
  if (percent != 0) policies.push_back({ScalingPolicyType::kPercent, percent, percent_period});
  if (!policies.empty()) rules.policies = policies;
  return rules;
}

struct RulesArgs {
  int32_t pods, pods_period, percent, percent_period, window;
};

// horizontal_test.go generateEventsUniformDistribution: event i of n sits at
// now - (period - segment*(i+1) + segment/2) seconds, segment = period/n, truncated to whole
// seconds by Go's time.Duration conversion.
std::vector<ScaleEvent> UniformEvents(const std::vector<int32_t>& changes, int period_seconds) {
  std::vector<ScaleEvent> events;
  const double segment = static_cast<double>(period_seconds) / changes.size();
  for (size_t i = 0; i < changes.size(); ++i) {
    const auto back = static_cast<int64_t>(period_seconds - segment * (i + 1) + segment / 2);
    events.push_back({changes[i], kNow - seconds(back)});
  }
  return events;
}

struct ScalingWithRulesRow {
  std::string source;
  std::vector<ScaleEvent> scale_up_events;
  std::vector<ScaleEvent> scale_down_events;
  int32_t min_replicas;
  int32_t max_replicas;
  std::optional<RulesArgs> scale_up_rules;
  std::optional<RulesArgs> scale_down_rules;
  int32_t current_replicas;
  int32_t prenormalized_desired_replicas;
  int32_t expected_replicas;
  std::string expected_condition;
};

constexpr const char* kS = "horizontal_test.go:TestScalingWithRules/";

std::vector<ScalingWithRulesRow> ScalingWithRulesRows() {
  const auto up3 = UniformEvents({1, 5, 9}, 120);
  const auto outdated4 = UniformEvents({8, 12, 9, 11}, 120);
  const auto tens = UniformEvents({10, 10, 10}, 120);
  std::string s = kS;
  return {
      {s + "prenormalized desired replicas within range",
       {},
       {},
       3,
       8,
       {},
       {},
       5,
       7,
       7,
       "DesiredWithinRange"},
      {s + "prenormalized desired replicas < minReplicas",
       {},
       {},
       2,
       8,
       {},
       {},
       3,
       1,
       2,
       "TooFewReplicas"},
      {s + "prenormalized desired replicas within range when minReplicas is 0",
       {},
       {},
       0,
       10,
       {},
       {},
       1,
       0,
       0,
       "DesiredWithinRange"},
      {s + "maxReplicas is the limit because maxReplicas < scaleUpLimit",
       {},
       {},
       1,
       10,
       {},
       {},
       20,
       1000,
       10,
       "TooManyReplicas"},
      {s + "desired replica count is more than the maximum replica count",
       {},
       {},
       100,
       150,
       {},
       {},
       100,
       1000,
       150,
       "TooManyReplicas"},
      {s + "scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies",
       {},
       {},
       1,
       2000,
       RulesArgs{0, 0, 1, 60, 0},
       {},
       3,
       1000,
       4,
       "ScaleUpLimit"},
      // Marked testThis (skipped) upstream; its expected value follows the same arithmetic.
      {s + "scaleDownLimit is the limit because scaleDownLimit > minReplicas with user defined "
           "policies",
       {},
       {},
       3,
       2000,
       {},
       RulesArgs{20, 60, 0, 0, 0},
       1000,
       3,
       980,
       "ScaleDownLimit"},
      {s + "scaleUp with default behavior", {}, {}, 1, 1000, {}, {}, 10, 50, 20, "ScaleUpLimit"},
      {s + "scaleUp with pods policy larger than percent policy",
       {},
       {},
       1,
       1000,
       RulesArgs{100, 60, 100, 60, 0},
       {},
       10,
       500,
       110,
       "ScaleUpLimit"},
      {s + "scaleUp with percent policy larger than pods policy",
       {},
       {},
       1,
       1000,
       RulesArgs{2, 60, 100, 60, 0},
       {},
       10,
       500,
       20,
       "ScaleUpLimit"},
      {s + "scaleUp with spec MaxReplicas limitation with large pod policy",
       {},
       {},
       1,
       1000,
       RulesArgs{100, 60, 0, 0, 0},
       {},
       10,
       50,
       50,
       "DesiredWithinRange"},
      {s + "scaleUp with spec MaxReplicas limitation with large percent policy",
       {},
       {},
       1,
       1000,
       RulesArgs{10000, 60, 0, 0, 0},
       {},
       10,
       50,
       50,
       "DesiredWithinRange"},
      {s + "scaleUp with pod policy limitation",
       {},
       {},
       1,
       1000,
       RulesArgs{30, 60, 0, 0, 0},
       {},
       10,
       50,
       40,
       "ScaleUpLimit"},
      {s + "scaleUp with percent policy limitation",
       {},
       {},
       1,
       1000,
       RulesArgs{0, 0, 200, 60, 0},
       {},
       10,
       50,
       30,
       "ScaleUpLimit"},
      {s + "scaleDown with percent policy larger than pod policy",
       {},
       {},
       1,
       1000,
       {},
       RulesArgs{20, 60, 1, 60, 300},
       100,
       2,
       80,
       "ScaleDownLimit"},
      {s + "scaleDown with pod policy larger than percent policy",
       {},
       {},
       1,
       1000,
       {},
       RulesArgs{2, 60, 1, 60, 300},
       100,
       2,
       98,
       "ScaleDownLimit"},
      {s + "scaleDown with spec MinReplicas=nil limitation with large pod policy",
       {},
       {},
       1,
       1000,
       {},
       RulesArgs{100, 60, 0, 0, 300},
       10,
       0,
       1,
       "TooFewReplicas"},
      {s + "scaleDown with spec MinReplicas limitation with large pod policy",
       {},
       {},
       1,
       1000,
       {},
       RulesArgs{100, 60, 0, 0, 300},
       10,
       0,
       1,
       "TooFewReplicas"},
      {s + "scaleDown with spec MinReplicas limitation with large percent policy",
       {},
       {},
       5,
       1000,
       {},
       RulesArgs{0, 0, 100, 60, 300},
       10,
       2,
       5,
       "TooFewReplicas"},
      {s + "scaleDown with pod policy limitation",
       {},
       {},
       1,
       1000,
       {},
       RulesArgs{5, 60, 0, 0, 300},
       10,
       2,
       5,
       "ScaleDownLimit"},
      {s + "scaleDown with percent policy limitation",
       {},
       {},
       1,
       1000,
       {},
       RulesArgs{0, 0, 50, 60, 300},
       10,
       5,
       5,
       "DesiredWithinRange"},
      {s + "scaleUp with spec MaxReplicas limitation with large pod policy and events",
       up3,
       {},
       1,
       200,
       RulesArgs{300, 60, 0, 0, 0},
       {},
       100,
       500,
       200,
       "TooManyReplicas"},
      {s + "scaleUp with spec MaxReplicas limitation with large percent policy and events",
       up3,
       {},
       1,
       200,
       RulesArgs{0, 0, 10000, 60, 0},
       {},
       100,
       500,
       200,
       "TooManyReplicas"},
      {s + "scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent "
           "scale up events",
       up3,
       {},
       1,
       1000,
       RulesArgs{5, 120, 0, 0, 0},
       {},
       100,
       500,
       100,
       "ScaleUpLimit"},
      {s + "scaleUp with pod policy and previous scale up events",
       up3,
       {},
       1,
       1000,
       RulesArgs{150, 120, 0, 0, 0},
       {},
       100,
       500,
       235,
       "ScaleUpLimit"},
      {s + "scaleUp with percent policy and previous scale up events",
       up3,
       {},
       1,
       1000,
       RulesArgs{0, 0, 200, 120, 0},
       {},
       100,
       500,
       255,
       "ScaleUpLimit"},
      {s + "scaleUp with percent policy and previous scale up and down events",
       UniformEvents({4}, 120),
       UniformEvents({2}, 120),
       1,
       1000,
       RulesArgs{0, 0, 300, 300, 0},
       {},
       6,
       24,
       16,
       "ScaleUpLimit"},
      {s + "scaleDown with default policy and previous events",
       {},
       up3,
       1,
       1000,
       {},
       {},
       10,
       5,
       5,
       "DesiredWithinRange"},
      {s + "scaleDown with spec MinReplicas=nil limitation with large pod policy and previous "
           "events",
       {},
       up3,
       1,
       1000,
       {},
       RulesArgs{115, 120, 0, 0, 300},
       100,
       0,
       1,
       "TooFewReplicas"},
      {s + "scaleDown with spec MinReplicas limitation with large pod policy and previous events",
       {},
       up3,
       5,
       1000,
       {},
       RulesArgs{130, 120, 0, 0, 300},
       100,
       0,
       5,
       "TooFewReplicas"},
      {s + "scaleDown with spec MinReplicas limitation with large percent policy and previous "
           "events",
       {},
       up3,
       5,
       1000,
       {},
       RulesArgs{0, 0, 100, 120, 300},
       100,
       2,
       5,
       "TooFewReplicas"},
      {s + "scaleDown with pod policy limitation and previous events",
       {},
       up3,
       1,
       1000,
       {},
       RulesArgs{5, 120, 0, 0, 300},
       100,
       2,
       100,
       "ScaleDownLimit"},
      {s + "scaleDown with percent policy limitation and previous events",
       {},
       UniformEvents({2, 4, 6}, 120),
       1,
       1000,
       {},
       RulesArgs{0, 0, 50, 120, 300},
       100,
       0,
       56,
       "ScaleDownLimit"},
      {s + "scaleDown with percent policy and previous scale up and down events",
       UniformEvents({2}, 120),
       UniformEvents({4}, 120),
       1,
       1000,
       {},
       RulesArgs{0, 0, 50, 180, 0},
       10,
       1,
       6,
       "ScaleDownLimit"},
      {s + "scaleDown with previous events preventing further scale down",
       {},
       tens,
       1,
       1000,
       {},
       RulesArgs{0, 0, 10, 120, 300},
       100,
       0,
       100,
       "ScaleDownLimit"},
      {s + "scaleDown with with previous events still allowing more scale down",
       {},
       tens,
       1,
       1000,
       {},
       RulesArgs{0, 0, 1000, 120, 300},
       10,
       5,
       5,
       "DesiredWithinRange"},
      {s + "check 'outdated' flag for events for one behavior for up",
       outdated4,
       {},
       1,
       1000,
       RulesArgs{1000, 60, 0, 0, 0},
       {},
       100,
       200,
       200,
       "DesiredWithinRange"},
      {s + "check that events were not marked 'outdated' for two different policies in the "
           "behavior for up",
       outdated4,
       {},
       1,
       1000,
       RulesArgs{1000, 120, 100, 60, 0},
       {},
       100,
       200,
       200,
       "DesiredWithinRange"},
      {s + "check that events were marked 'outdated' for two different policies in the behavior "
           "for up",
       outdated4,
       {},
       1,
       1000,
       RulesArgs{1000, 30, 100, 60, 0},
       {},
       100,
       200,
       200,
       "DesiredWithinRange"},
      {s + "check 'outdated' flag for events for one behavior for down",
       {},
       outdated4,
       1,
       1000,
       {},
       RulesArgs{1000, 60, 0, 0, 300},
       100,
       5,
       5,
       "DesiredWithinRange"},
      {s + "check that events were not marked 'outdated' for two different policies in the "
           "behavior for down",
       {},
       outdated4,
       1,
       1000,
       {},
       RulesArgs{1000, 120, 100, 60, 300},
       100,
       5,
       5,
       "DesiredWithinRange"},
      {s + "check that events were marked 'outdated' for two different policies in the behavior "
           "for down",
       {},
       outdated4,
       1,
       1000,
       {},
       RulesArgs{1000, 30, 100, 60, 300},
       100,
       5,
       5,
       "DesiredWithinRange"},
  };
}

TEST(BehaviorLimitsTest, ScalingWithRules) {
  for (const ScalingWithRulesRow& row : ScalingWithRulesRows()) {
    SCOPED_TRACE(row.source);
    const auto rules = [](const ScalingRules& defaults, const RulesArgs& a) {
      return GenerateScalingRules(defaults, a.pods, a.pods_period, a.percent, a.percent_period,
                                  a.window);
    };
    Behavior behavior = DefaultBehavior();
    if (row.scale_up_rules) behavior.scale_up = rules(DefaultScaleUpRules(), *row.scale_up_rules);
    if (row.scale_down_rules) {
      behavior.scale_down = rules(DefaultScaleDownRules(), *row.scale_down_rules);
    }
    const RateLimit got = ApplyRateLimits(row.current_replicas, row.prenormalized_desired_replicas,
                                          row.min_replicas, row.max_replicas, row.scale_up_events,
                                          row.scale_down_events, behavior, kNow);
    EXPECT_EQ(got.replicas, row.expected_replicas);
    EXPECT_EQ(DecisionReasonName(got.reason), row.expected_condition);
  }
}

TEST(BehaviorLimitsTest, ScaleUpLimitPolicyMin) {
  // horizontal_test.go:TestCalculateScaleUpLimitWithScalingRules
  ScalingRules rules{300,
                     SelectPolicy::kMin,
                     {{ScalingPolicyType::kPods, 2, 60}, {ScalingPolicyType::kPercent, 50, 60}},
                     std::nullopt};
  const ScaleLimit got = ScaleUpLimit(1, {}, {}, rules, kNow);
  EXPECT_EQ(got.replicas, 2);
  EXPECT_EQ(got.policy_index, 1u);  // ceil(1 * 1.5) = 2 < 1 + 2
}

TEST(BehaviorLimitsTest, ScaleDownLimitPolicyMin) {
  // horizontal_test.go:TestCalculateScaleDownLimitWithBehaviors
  ScalingRules rules{300,
                     SelectPolicy::kMin,
                     {{ScalingPolicyType::kPods, 2, 60}, {ScalingPolicyType::kPercent, 50, 60}},
                     std::nullopt};
  const ScaleLimit got = ScaleDownLimit(5, {}, {}, rules, kNow);
  EXPECT_EQ(got.replicas, 3);
  EXPECT_EQ(got.policy_index, 0u);
}

TEST(BehaviorLimitsTest, DisabledSelectPolicyHoldsCurrent) {
  // horizontal.go calculateScaleUpLimitWithScalingRules: "return currentReplicas // Scaling is
  // disabled"; convertDesiredReplicasWithBehaviorRate then reports ScaleUpLimit.
  Behavior behavior = DefaultBehavior();
  behavior.scale_up.select_policy = SelectPolicy::kDisabled;
  const RateLimit got = ApplyRateLimits(5, 9, 1, 10, {}, {}, behavior, kNow);
  EXPECT_EQ(got.replicas, 5);
  EXPECT_EQ(got.reason, DecisionReason::kScaleUpLimit);
  EXPECT_FALSE(got.limit.policy_index.has_value());
}

TEST(BehaviorLimitsTest, PercentRounding) {
  // No Kubernetes table row has a fractional Percent product, so these pin the formulas of
  // horizontal.go directly: scale-up uses math.Ceil(periodStart * (1 + value/100)); scale-down
  // converts periodStart * (1 - value/100) with int32(), which truncates.
  const ScalingRules up{0, SelectPolicy::kMax, {{ScalingPolicyType::kPercent, 15, 60}}, {}};
  const ScalingRules down{0, SelectPolicy::kMax, {{ScalingPolicyType::kPercent, 15, 60}}, {}};
  EXPECT_EQ(ScaleUpLimit(10, {}, {}, up, kNow).replicas, 12);     // ceil(11.5)
  EXPECT_EQ(ScaleDownLimit(10, {}, {}, down, kNow).replicas, 8);  // int32(8.5)
}

TEST(BehaviorLimitsTest, CutoffsAreStrict) {
  // horizontal.go uses rec.timestamp.After(cutoff): a sample exactly period (or window) old
  // no longer counts.
  const std::vector<ScaleEvent> events = {{3, kNow - seconds(60)}, {2, kNow - seconds(59)}};
  EXPECT_EQ(ReplicasChangePerPeriod(60, events, kNow), 2);
  Behavior behavior = DefaultBehavior();  // scale-down window 300 s
  const std::vector<Recommendation> at_edge = {{9, kNow - seconds(300)}};
  EXPECT_EQ(Stabilize(5, 2, at_edge, behavior, kNow).replicas, 2);
  const std::vector<Recommendation> inside = {{9, kNow - seconds(299)}};
  EXPECT_EQ(Stabilize(5, 2, inside, behavior, kNow).replicas, 5);
  // With a zero scale-up window even a sample from `now` is outside it.
  const std::vector<Recommendation> now_sample = {{6, kNow}};
  EXPECT_EQ(Stabilize(5, 8, now_sample, behavior, kNow).replicas, 8);
}

TEST(BehaviorLimitsTest, ReplicasChangePerPeriod) {
  // horizontal_test.go:TestStoreScaleEvents, the getReplicasChangePerPeriod(60, prevScaleEvents)
  // assertion of each row (the in-place storage part does not apply: callers append and
  // PruneState drops what no period can see).
  struct Row {
    std::string source;
    std::vector<std::pair<int32_t, int>> events;  // {change, seconds ago}
    int64_t expected;
  };
  const std::string s = "horizontal_test.go:TestStoreScaleEvents/";
  const std::vector<Row> rows = {
      {s + "empty entries with default behavior", {}, 0},
      {s + "empty entries with two-policy-behavior", {}, 0},
      {s + "one outdated entry to be kept untouched without behavior", {{7, 61}}, 0},
      {s + "one outdated entry to be replaced with behavior", {{7, 61}}, 0},
      {s + "one actual entry to be not touched with behavior", {{7, 58}}, 7},
      {s + "two entries, one of them to be replaced", {{7, 61}, {6, 59}}, 6},
      {s + "replace one entry, use policies with different periods",
       {{8, 29}, {6, 59}, {7, 61}, {9, 61}},
       14},
      {s + "two entries, both actual", {{7, 58}, {6, 59}}, 13},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.source);
    std::vector<ScaleEvent> events;
    for (const auto& [change, ago] : row.events) events.push_back({change, kNow - seconds(ago)});
    EXPECT_EQ(ReplicasChangePerPeriod(60, events, kNow), row.expected);
  }
}

TEST(BehaviorLimitsTest, StabilizeRecommendationWithBehaviors) {
  // horizontal_test.go:TestNormalizeDesiredReplicasWithBehavior
  // (stabilizeRecommendationWithBehaviors). Windows not set in a row are 0, as in the Go table. The
  // rows' expectedRecommendations describe HPA's in-place slot reuse, which Governor replaces by
  // append + PruneState.
  struct Row {
    std::string source;
    std::vector<std::pair<int32_t, minutes>> recommendations;  // {replicas, age}
    int32_t current;
    int32_t desired;
    int32_t expected;
    int32_t up_window;
    int32_t down_window;
  };
  const std::string s = "horizontal_test.go:TestNormalizeDesiredReplicasWithBehavior/";
  const std::vector<Row> rows = {
      {s + "empty recommendations for scaling down", {}, 100, 5, 5, 0, 0},
      {s + "simple scale down stabilization",
       {{4, minutes(2)}, {5, minutes(1)}},
       100,
       3,
       5,
       0,
       180},
      {s + "simple scale up stabilization", {{4, minutes(2)}, {5, minutes(1)}}, 1, 7, 4, 300, 0},
      {s + "no scale down stabilization", {{1, minutes(2)}, {2, minutes(1)}}, 100, 3, 3, 300, 0},
      {s + "no scale up stabilization", {{4, minutes(2)}, {5, minutes(1)}}, 1, 3, 3, 0, 300},
      {s + "no scale down stabilization, reuse recommendation element",
       {{10, minutes(10)}, {9, minutes(9)}},
       100,
       3,
       3,
       0,
       0},
      {s + "no scale up stabilization, reuse recommendation element",
       {{10, minutes(10)}, {9, minutes(9)}},
       1,
       100,
       100,
       0,
       0},
      {s + "scale down stabilization, reuse one of obsolete recommendation element",
       {{10, minutes(10)}, {4, minutes(1)}, {5, minutes(2)}, {9, minutes(9)}},
       100,
       3,
       5,
       0,
       180},
      {s + "scale up stabilization, reuse one of obsolete recommendation element",
       {{10, minutes(100)}, {6, minutes(1)}, {5, minutes(2)}, {9, minutes(3)}},
       1,
       100,
       5,
       300,
       0},
      {s + "scale up and down stabilization, do not scale up when prenormalized rec goes down",
       {{2, minutes(100)}, {3, minutes(3)}},
       2,
       1,
       2,
       300,
       300},
      {s + "scale up and down stabilization, do not scale down when prenormalized rec goes up",
       {{2, minutes(100)}, {1, minutes(3)}},
       2,
       3,
       2,
       300,
       300},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.source);
    std::vector<Recommendation> history;
    for (const auto& [replicas, age] : row.recommendations) {
      history.push_back({replicas, kNow - age});
    }
    Behavior behavior = DefaultBehavior();
    behavior.scale_up.stabilization_window_seconds = row.up_window;
    behavior.scale_down.stabilization_window_seconds = row.down_window;
    EXPECT_EQ(Stabilize(row.current, row.desired, history, behavior, kNow).replicas, row.expected);
  }
}

// --- Defaults and validation -------------------------------------------------------------

struct DefaultsRow {
  std::string source;
  std::string json;  // the scaleUp/scaleDown object as a user would write it
  std::vector<ScalingPolicy> expected_policies;
  int32_t expected_window;
  SelectPolicy expected_select;
};

// Parses each row's object as behavior.scaleUp (or .scaleDown) and checks the rules it yields;
// the other direction keeps its defaults.
void ExpectGeneratedRules(const std::vector<DefaultsRow>& rows, bool scale_up) {
  for (const DefaultsRow& row : rows) {
    SCOPED_TRACE(row.source);
    const core::Json json = {{scale_up ? "scaleUp" : "scaleDown", core::Json::parse(row.json)}};
    const core::StatusOr<Behavior> b = ParseBehavior(json, "behavior");
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    const ScalingRules& got = scale_up ? b->scale_up : b->scale_down;
    EXPECT_EQ(got.policies, row.expected_policies);
    EXPECT_EQ(got.stabilization_window_seconds, row.expected_window);
    EXPECT_EQ(got.select_policy, row.expected_select);
    EXPECT_EQ(scale_up ? b->scale_down : b->scale_up,
              scale_up ? DefaultScaleDownRules() : DefaultScaleUpRules());
  }
}

TEST(BehaviorParseTest, GenerateScaleUpRules) {
  // defaults_test.go:TestGenerateScaleUpRules.
  const std::string s = "defaults_test.go:TestGenerateScaleUpRules/";
  const std::vector<DefaultsRow> rows = {
      {s + "Default values",
       "{}",
       {{ScalingPolicyType::kPods, 4, 15}, {ScalingPolicyType::kPercent, 100, 15}},
       0,
       SelectPolicy::kMax},
      {s + "All parameters are specified",
       R"({"stabilizationWindowSeconds": 25, "selectPolicy": "Max", "policies": [
            {"type": "Pods", "value": 1, "periodSeconds": 2},
            {"type": "Percent", "value": 3, "periodSeconds": 4}]})",
       {{ScalingPolicyType::kPods, 1, 2}, {ScalingPolicyType::kPercent, 3, 4}},
       25,
       SelectPolicy::kMax},
      {s + "Pod policy is specified",
       R"({"selectPolicy": "Min", "policies": [{"type": "Pods", "value": 1, "periodSeconds": 2}]})",
       {{ScalingPolicyType::kPods, 1, 2}},
       0,
       SelectPolicy::kMin},
      {s + "Percent policy is specified",
       R"({"policies": [{"type": "Percent", "value": 7, "periodSeconds": 10}]})",
       {{ScalingPolicyType::kPercent, 7, 10}},
       0,
       SelectPolicy::kMax},
      {s + "Pod policy and stabilization window are specified",
       R"({"stabilizationWindowSeconds": 25,
           "policies": [{"type": "Pods", "value": 4, "periodSeconds": 2}]})",
       {{ScalingPolicyType::kPods, 4, 2}},
       25,
       SelectPolicy::kMax},
      {s + "Percent policy and stabilization window are specified",
       R"({"stabilizationWindowSeconds": 25,
           "policies": [{"type": "Percent", "value": 7, "periodSeconds": 60}]})",
       {{ScalingPolicyType::kPercent, 7, 60}},
       25,
       SelectPolicy::kMax},
  };
  ExpectGeneratedRules(rows, /*scale_up=*/true);
}

TEST(BehaviorParseTest, GenerateScaleDownRules) {
  // defaults_test.go:TestGenerateScaleDownRules. Kubernetes leaves an unset scale-down window
  // nil and the controller fills in its --horizontal-pod-autoscaler-downscale-stabilization
  // default of 300 s (maybeInitScaleDownStabilizationWindow); Governor stores the 300.
  const std::string s = "defaults_test.go:TestGenerateScaleDownRules/";
  const std::vector<DefaultsRow> rows = {
      {s + "Default values",
       "{}",
       {{ScalingPolicyType::kPercent, 100, 15}},
       300,
       SelectPolicy::kMax},
      {s + "All parameters are specified",
       R"({"stabilizationWindowSeconds": 25, "selectPolicy": "Max", "policies": [
            {"type": "Pods", "value": 1, "periodSeconds": 2},
            {"type": "Percent", "value": 3, "periodSeconds": 4}]})",
       {{ScalingPolicyType::kPods, 1, 2}, {ScalingPolicyType::kPercent, 3, 4}},
       25,
       SelectPolicy::kMax},
      {s + "Percent policy is specified",
       R"({"selectPolicy": "Min", "policies": [{"type": "Percent", "value": 1, "periodSeconds": 2}]})",
       {{ScalingPolicyType::kPercent, 1, 2}},
       300,
       SelectPolicy::kMin},
      {s + "Pods policy is specified",
       R"({"policies": [{"type": "Pods", "value": 3, "periodSeconds": 4}]})",
       {{ScalingPolicyType::kPods, 3, 4}},
       300,
       SelectPolicy::kMax},
  };
  ExpectGeneratedRules(rows, /*scale_up=*/false);
}

TEST(BehaviorParseTest, RejectsWhatKubernetesValidationRejects) {
  // pkg/apis/autoscaling/validation/validation.go validateScalingRules/validateScalingPolicy:
  // window in [0, 3600], selectPolicy Max|Min|Disabled, at least one policy, type Pods|Percent,
  // value > 0, periodSeconds in (0, 1800].
  struct Row {
    std::string json;
    std::string field;
  };
  const std::vector<Row> rows = {
      {R"({"scaleUp": {"stabilizationWindowSeconds": -1}})",
       "behavior.scaleUp.stabilizationWindowSeconds"},
      {R"({"scaleDown": {"stabilizationWindowSeconds": 3601}})",
       "behavior.scaleDown.stabilizationWindowSeconds"},
      {R"({"scaleUp": {"selectPolicy": "Average"}})", "behavior.scaleUp.selectPolicy"},
      {R"({"scaleUp": {"policies": []}})", "behavior.scaleUp.policies"},
      {R"({"scaleUp": {"policies": [{"type": "Pods", "value": 4, "periodSeconds": 15},
                                    {"type": "Pods", "value": 4, "periodSeconds": 0}]}})",
       "behavior.scaleUp.policies[1].periodSeconds"},
      {R"({"scaleUp": {"policies": [{"type": "Pods", "value": 4, "periodSeconds": 1801}]}})",
       "behavior.scaleUp.policies[0].periodSeconds"},
      {R"({"scaleDown": {"policies": [{"type": "Percent", "value": 0, "periodSeconds": 15}]}})",
       "behavior.scaleDown.policies[0].value"},
      {R"({"scaleDown": {"policies": [{"type": "Replicas", "value": 1, "periodSeconds": 15}]}})",
       "behavior.scaleDown.policies[0].type"},
      {R"({"scaleDown": {"policies": [{"type": "Pods", "periodSeconds": 15}]}})",
       "behavior.scaleDown.policies[0].value"},
      {R"({"scaleUp": {"tolerance": -0.1}})", "behavior.scaleUp.tolerance"},
      {R"({"scaleUp": {"stabilizationWindow": 10}})", "behavior.scaleUp.stabilizationWindow"},
      {R"({"scaleSideways": {}})", "behavior.scaleSideways"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.json);
    const core::StatusOr<Behavior> b = ParseBehavior(core::Json::parse(row.json), "behavior");
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.status().code(), core::StatusCode::kInvalidArgument);
    EXPECT_EQ(b.status().field(), row.field) << b.status().ToString();
  }
}

TEST(BehaviorParseTest, AcceptsBoundaryValues) {
  // The inclusive ends of validation.go's ranges are valid.
  const core::Json json = core::Json::parse(R"({
    "scaleUp": {"stabilizationWindowSeconds": 3600, "selectPolicy": "Disabled",
                "policies": [{"type": "Pods", "value": 1, "periodSeconds": 1800}]},
    "scaleDown": {"stabilizationWindowSeconds": 0, "tolerance": "50m",
                  "policies": [{"type": "Percent", "value": 1, "periodSeconds": 1}]}})");
  const core::StatusOr<Behavior> b = ParseBehavior(json, "behavior");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->scale_up.select_policy, SelectPolicy::kDisabled);
  EXPECT_EQ(b->scale_up.stabilization_window_seconds, 3600);
  EXPECT_DOUBLE_EQ(*b->scale_down.tolerance, 0.05);  // resource.Quantity "50m"
  EXPECT_FALSE(b->scale_up.tolerance.has_value());
}

TEST(BehaviorParseTest, RoundTrips) {
  const core::Json json = core::Json::parse(R"({
    "scaleUp": {"selectPolicy": "Min", "tolerance": 0.2,
                "policies": [{"type": "Percent", "value": 50, "periodSeconds": 60}]},
    "scaleDown": {"stabilizationWindowSeconds": 120}})");
  const core::StatusOr<Behavior> b = ParseBehavior(json, "behavior");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  const core::StatusOr<Behavior> again = ParseBehavior(BehaviorToJson(*b), "behavior");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, *b);
}

TEST(BehaviorParseTest, DescribesPolicies) {
  EXPECT_EQ(DescribePolicy({ScalingPolicyType::kPods, 4, 15}), "Pods 4 per 15s");
  EXPECT_EQ(DescribePolicy({ScalingPolicyType::kPercent, 100, 15}), "Percent 100% per 15s");
}

}  // namespace
}  // namespace gov::controller
