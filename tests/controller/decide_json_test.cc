// Golden cases for the `governor decide` JSON contract. Expected outputs were worked out by
// hand from the HPA formulas (horizontal.go / replica_calculator.go) and Governor's cooldown
// rule; the comments show the arithmetic.
#include "controller/decide_json.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/json_util.h"
#include "tests/controller/decide_example.h"

namespace gov::controller {
namespace {

core::Json RunDecide(const std::string& input, int expected_exit) {
  const DecideJsonResult r = RunDecideJson(input);
  EXPECT_EQ(r.exit_code, expected_exit) << r.output;
  EXPECT_FALSE(r.output.empty());
  EXPECT_EQ(r.output.back(), '\n');
  core::StatusOr<core::Json> out = core::ParseJson(r.output);
  EXPECT_TRUE(out.ok()) << r.output;
  return out.ok() ? *out : core::Json();
}

TEST(DecideJsonTest, IssueExample) {
  // The example input of the issue. cpu: ratio 80/70 = 1.142857 > 1.1, ceil(1.142857 × 10) = 12;
  // memory missing, but cpu asks for a scale-up, so proceed. Stabilization: the scale-up
  // window is 0 and the 120 s old recommendation of 4 only raises the scale-down bound to 12.
  // Rate limit (default Pods 4 / Percent 100% per 15 s; the events are 60 s old):
  // max(10 + 4, ceil(10 × 2)) = 20 >= 12. Cooldown: last scale-up 1000 s ago > 60 s.
  const core::Json out = RunDecide(gov::controller::test_data::kIssueDecideInput, 0);
  const core::Json expected = core::Json::parse(R"({
    "replicas": 12,
    "currentReplicas": 10,
    "reason": "DesiredWithinRange",
    "message": "cpu above target (ratio 1.14); memory missing or stale; proposal 12 (current 10); scaling 10 -> 12",
    "proposals": [
      {"metric": "cpu", "type": "Utilization", "target": 70.0, "current": 80.0,
       "ratio": 1.1428571428571428, "replicas": 12, "missing": false, "stale": false},
      {"metric": "memory", "type": "Utilization", "target": 80.0, "current": null,
       "ratio": null, "replicas": null, "missing": true, "stale": false}],
    "desiredReplicas": 12,
    "stabilizedReplicas": 12,
    "limits": [],
    "newRecommendations": [{"replicas": 12, "timestamp": 1700000000.0}],
    "scaleUpEvent": {"change": 2, "timestamp": 1700000000.0},
    "scaleDownEvent": null})");
  EXPECT_EQ(out, expected) << out.dump(2);
  // Json compares 70 equal to 70.0, so check the printed text keeps the doubles as floats.
  const std::string text = RunDecideJson(gov::controller::test_data::kIssueDecideInput).output;
  EXPECT_NE(text.find(R"("target": 70.0)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("timestamp": 1700000000.0)"), std::string::npos) << text;
}

TEST(DecideJsonTest, ScaleUpLimitNamesThePolicy) {
  // One policy, Pods 4 per 60 s; 2 replicas were added 30 s ago (the 5 added 90 s ago are
  // outside the period): periodStart = 10 - 2 = 8, limit 8 + 4 = 12 < desired 30.
  const core::Json out = RunDecide(R"({"now": 1700000000,
   "target": {"maxReplicas": 100,
              "behavior": {"scaleUp": {"policies": [{"type": "Pods", "value": 4, "periodSeconds": 60}]}}},
   "currentReplicas": 10, "desiredReplicas": 30, "recommendations": [],
   "scaleUpEvents": [{"change": 2, "timestamp": 1699999970}, {"change": 5, "timestamp": 1699999910}]})",
                                   0);
  EXPECT_EQ(out["replicas"], 12);
  EXPECT_EQ(out["reason"], "ScaleUpLimit");
  EXPECT_EQ(
      out["limits"],
      core::Json::parse(R"([{"kind": "ScaleUpLimit", "value": 12, "policy": "Pods 4 per 60s"}])"));
  EXPECT_EQ(out["proposals"], core::Json::array());
  EXPECT_EQ(out["desiredReplicas"], 30);
  EXPECT_EQ(out["scaleUpEvent"]["change"], 2);
}

TEST(DecideJsonTest, CooldownGivesSecondsLeft) {
  // Desired 5 of 10 passes stabilization (known-empty history) and the default 100%-per-15 s
  // scale-down policy, but the last scaling action (a scale-up) was 100 s ago: 200 s left.
  const core::Json out = RunDecide(R"({"now": 1700000000, "target": {"maxReplicas": 20,
   "cooldown": {"scaleUpSeconds": 60, "scaleDownSeconds": 300}},
   "currentReplicas": 10, "desiredReplicas": 5, "recommendations": [],
   "lastScaleUp": 1699999900, "lastScaleDown": 1699990000})",
                                   0);
  EXPECT_EQ(out["replicas"], 10);
  EXPECT_EQ(out["reason"], "Cooldown");
  EXPECT_EQ(out["stabilizedReplicas"], 5);
  EXPECT_EQ(
      out["limits"],
      core::Json::parse(R"([{"kind": "Cooldown", "secondsLeft": 200, "direction": "down"}])"));
  EXPECT_TRUE(out["scaleDownEvent"].is_null());
  EXPECT_EQ(out["newRecommendations"].size(), 1u);
}

TEST(DecideJsonTest, AbsentHistoryIsSeeded) {
  // No "recommendations": HPA's recordInitialRecommendation seeds {current, now}; the default
  // 300 s scale-down window then keeps 8.
  const core::Json out = RunDecide(R"({"now": 1700000000, "target": {"maxReplicas": 10},
   "currentReplicas": 8, "desiredReplicas": 2})",
                                   0);
  EXPECT_EQ(out["replicas"], 8);
  EXPECT_EQ(out["reason"], "ScaleDownStabilized");
  EXPECT_EQ(out["limits"], core::Json::parse(R"([{"kind": "ScaleDownStabilized", "value": 8,
                                            "windowSeconds": 300}])"));
  EXPECT_EQ(out["newRecommendations"],
            core::Json::parse(R"([{"replicas": 8, "timestamp": 1700000000.0},
                            {"replicas": 2, "timestamp": 1700000000.0}])"));
}

TEST(DecideJsonTest, MissingMetricBlocksScaleDown) {
  // cpu 20/50 proposes ceil(0.4 × 6) = 3 < 6, rps is missing: keep 6.
  const core::Json out = RunDecide(R"({"now": 1700000000, "target": {"maxReplicas": 10},
   "currentReplicas": 6, "recommendations": [],
   "metrics": [{"name": "cpu", "type": "Utilization", "target": 50, "current": 20},
               {"name": "rps", "type": "AverageValue", "target": 1000}]})",
                                   0);
  EXPECT_EQ(out["replicas"], 6);
  EXPECT_EQ(out["reason"], "MissingMetrics");
  EXPECT_EQ(out["proposals"][0]["replicas"], 3);
  EXPECT_EQ(out["limits"],
            core::Json::parse(R"([{"kind": "MissingMetrics", "metrics": ["rps"]}])"));
  EXPECT_TRUE(out["stabilizedReplicas"].is_null());
}

TEST(DecideJsonTest, StaleTimestampCountsAsMissing) {
  // metricMaxAgeSeconds defaults to 3 × 15 s; the reading is 50 s old.
  const core::Json out = RunDecide(R"({"now": 1700000000, "target": {"maxReplicas": 10},
   "currentReplicas": 6, "recommendations": [],
   "metrics": [{"name": "cpu", "type": "Utilization", "target": 50, "current": 20,
                "timestamp": 1699999950}]})",
                                   0);
  EXPECT_EQ(out["replicas"], 6);
  EXPECT_EQ(out["reason"], "MissingMetrics");
  EXPECT_EQ(out["proposals"][0]["stale"], true);
}

TEST(DecideJsonTest, CurrentAboveMax) {
  const core::Json out =
      RunDecide(R"({"now": 1700000000.5, "target": {"minReplicas": 2, "maxReplicas": 5},
   "currentReplicas": 6, "desiredReplicas": 6})",
                0);
  EXPECT_EQ(out["replicas"], 5);
  EXPECT_EQ(out["reason"], "TooManyReplicas");
  EXPECT_EQ(out["scaleDownEvent"],
            core::Json::parse(R"({"change": 1, "timestamp": 1700000000.5})"));
}

TEST(DecideJsonTest, ExtremeValuesStayWithinBounds) {
  // int32 extremes everywhere: Go would wrap; Governor saturates and still clamps to
  // [minReplicas, maxReplicas]. Run under UBSan to check no arithmetic is undefined.
  const std::string target = R"("target": {"maxReplicas": 2147483647, "tolerance": 0,
      "behavior": {"scaleUp": {"policies": [
        {"type": "Pods", "value": 2147483647, "periodSeconds": 1800},
        {"type": "Percent", "value": 2147483647, "periodSeconds": 1800}]}}})";
  const std::string metric = R"("metrics": [{"name": "m", "type": "Value", "target": 1e-300,
                                            "current": 1e300}])";
  // ratio = inf: the proposal saturates at 2147483647, and so does the policies' limit.
  const core::Json up = RunDecide(R"({"now": 9000000000, )" + target + ", " + metric +
                                      R"(, "currentReplicas": 2147483646, "recommendations": []})",
                                  0);
  EXPECT_EQ(up["replicas"], 2147483647);
  // With recent events, periodStart = 2147483646 - 2 × 2147483647 + 2147483647 = -1, so the
  // Pods policy allows -1 + 2147483647 = 2147483646: the current count (ScaleUpLimit).
  const core::Json held = RunDecide(R"({"now": 9000000000, )" + target + ", " + metric +
                                        R"(, "currentReplicas": 2147483646, "recommendations": [],
   "scaleUpEvents": [{"change": 2147483647, "timestamp": 8999999999},
                     {"change": 2147483647, "timestamp": 8999999998}],
   "scaleDownEvents": [{"change": 2147483647, "timestamp": 8999999999}]})",
                                    0);
  EXPECT_EQ(held["replicas"], 2147483646);
  EXPECT_EQ(held["reason"], "ScaleUpLimit");
  // Percent 2147483647% down: trunc(2147483647 × (1 - 21474836.47)) saturates at int32 min;
  // minReplicas 1 is the bound.
  const core::Json down = RunDecide(R"({"now": 0,
   "target": {"minReplicas": 1, "maxReplicas": 2147483647,
              "behavior": {"scaleDown": {"stabilizationWindowSeconds": 3600, "policies": [
                {"type": "Percent", "value": 2147483647, "periodSeconds": 1800}]}}},
   "currentReplicas": 2147483647, "desiredReplicas": 0, "recommendations": []})",
                                    0);
  EXPECT_EQ(down["replicas"], 1);
  EXPECT_EQ(down["reason"], "TooFewReplicas");
}

TEST(DecideJsonTest, InvalidInputNamesTheField) {
  struct Row {
    std::string input;
    std::string field;
  };
  const std::string ok_target = R"("target": {"maxReplicas": 10})";
  const std::vector<Row> rows = {
      {"{not json", ""},
      {"[]", ""},
      {R"({"target": {"maxReplicas": 10}, "currentReplicas": 1, "desiredReplicas": 1})", "now"},
      {R"({"now": -5, )" + ok_target + R"(, "currentReplicas": 1, "desiredReplicas": 1})", "now"},
      {R"({"now": 1, "currentReplicas": 1, "desiredReplicas": 1})", "target"},
      {R"({"now": 1, "target": {"minReplicas": 3}, "currentReplicas": 1, "desiredReplicas": 1})",
       "target.maxReplicas"},
      {R"({"now": 1, "target": {"minReplicas": 30, "maxReplicas": 10}, "currentReplicas": 1,
           "desiredReplicas": 1})",
       "target.maxReplicas"},
      {R"({"now": 1, "target": {"maxReplicas": 10, "behavior": {"scaleUp": {"policies": [
           {"type": "Pods", "value": 4, "periodSeconds": 15},
           {"type": "Percent", "value": 100, "periodSeconds": 0}]}}},
           "currentReplicas": 1, "desiredReplicas": 1})",
       "target.behavior.scaleUp.policies[1].periodSeconds"},
      {R"({"now": 1, )" + ok_target + R"(, "desiredReplicas": 1})", "currentReplicas"},
      {R"({"now": 1, )" + ok_target + R"(, "currentReplicas": -1, "desiredReplicas": 1})",
       "currentReplicas"},
      {R"({"now": 1, )" + ok_target + R"(, "currentReplicas": 1})", "metrics"},
      {R"({"now": 1, )" + ok_target +
           R"(, "currentReplicas": 1, "desiredReplicas": 1, "metrics": []})",
       "desiredReplicas"},
      {R"({"now": 1, )" + ok_target + R"(, "currentReplicas": 1, "metrics": [
           {"name": "cpu", "type": "Utilization", "target": 70, "current": 80},
           {"name": "mem", "type": "Bogus", "target": 80, "current": 1}]})",
       "metrics[1].type"},
      {R"({"now": 1, )" + ok_target + R"(, "currentReplicas": 1, "metrics": [
           {"name": "cpu", "type": "Utilization", "target": 70, "current": "high"}]})",
       "metrics[0].current"},
      {R"({"now": 1, )" + ok_target + R"(, "currentReplicas": 1, "metrics": [
           {"name": "cpu", "type": "Utilization", "target": 70, "current": 1},
           {"name": "cpu", "type": "Value", "target": 70, "current": 1}]})",
       "metrics[1].name"},
      {R"({"now": 1, )" + ok_target +
           R"(, "currentReplicas": 1, "desiredReplicas": 1, "scaleUpEvents": [{"change": 1}]})",
       "scaleUpEvents[0].timestamp"},
      {R"({"now": 1, )" + ok_target +
           R"(, "currentReplicas": 1, "desiredReplicas": 1, "recommendations": [{"replicas": 1.5, "timestamp": 1}]})",
       "recommendations[0].replicas"},
      {R"({"now": 1, )" + ok_target +
           R"(, "currentReplicas": 1, "desiredReplicas": 1, "lastScaleUp": "yesterday"})",
       "lastScaleUp"},
      {R"({"now": 1, )" + ok_target + R"(, "currentReplicas": 1, "desiredReplicas": 1, "foo": 1})",
       "foo"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.input);
    const core::Json out = RunDecide(row.input, 2);
    ASSERT_TRUE(out.contains("error")) << out.dump();
    EXPECT_EQ(out["error"]["code"], "invalid_argument");
    EXPECT_EQ(out["error"]["field"], row.field) << out.dump();
    EXPECT_FALSE(out["error"]["message"].get<std::string>().empty());
  }
}

}  // namespace
}  // namespace gov::controller
