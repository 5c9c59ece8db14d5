// The loop's stored state and records: JSON round trips, ApplyDecision (what a scale that did or
// did not happen leaves behind) and HPA-style conditions (names from Kubernetes'
// autoscaling/v2 HorizontalPodAutoscalerConditionType and horizontal.go reasons).

#include "controller/target_state.h"

#include <gtest/gtest.h>

#include "controller/decision_json.h"

namespace gov::controller {
namespace {

using std::chrono::seconds;

const core::TimePoint kT0 = core::FromUnixMillis(1'700'000'000'123);

TEST(TargetStateJsonTest, RoundTripsExactlyIncludingUnknownHistory) {
  TargetState s;
  s.recommendations = std::vector<Recommendation>{{5, kT0}, {7, kT0 + seconds(15)}};
  s.scale_up_events = {{2, kT0}};
  s.scale_down_events = {{1, kT0 - seconds(100)}};
  s.last_scale_up = kT0;
  core::Json j = TargetStateToJson(s);
  EXPECT_EQ(j["recommendations"][0]["timestamp"], 1'700'000'000'123);
  EXPECT_EQ(j["lastScaleDown"], nullptr);
  auto back = TargetStateFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->recommendations, s.recommendations);
  EXPECT_EQ(back->scale_up_events, s.scale_up_events);
  EXPECT_EQ(back->scale_down_events, s.scale_down_events);
  EXPECT_EQ(back->last_scale_up, s.last_scale_up);
  EXPECT_EQ(back->last_scale_down, std::nullopt);

  auto unknown = TargetStateFromJson(TargetStateToJson(TargetState{}));
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->recommendations.has_value());

  auto bad = TargetStateFromJson(core::Json{{"scaleUpEvents", {{{"change", "x"}}}}});
  EXPECT_EQ(bad.status().field(), "state.scaleUpEvents[0].change");
}

TEST(ApplyDecisionTest, AScaleOnlyCountsWhenItHappened) {
  TargetSpec spec;
  spec.min_replicas = 1;
  spec.max_replicas = 10;
  Decision d;
  d.current_replicas = 2;
  d.replicas = 4;
  d.new_recommendations = {{2, kT0}, {4, kT0}};
  d.scale_up_event = ScaleEvent{2, kT0};

  TargetState failed = ApplyDecision(spec, TargetState{}, d, /*scaled=*/false, kT0);
  ASSERT_TRUE(failed.recommendations.has_value());
  EXPECT_EQ(failed.recommendations->size(), 2u) << "recommendations are kept either way (HPA)";
  EXPECT_TRUE(failed.scale_up_events.empty());
  EXPECT_FALSE(failed.last_scale_up.has_value());

  TargetState done = ApplyDecision(spec, TargetState{}, d, /*scaled=*/true, kT0);
  EXPECT_EQ(done.scale_up_events, (std::vector<ScaleEvent>{{2, kT0}}));
  EXPECT_EQ(done.last_scale_up, kT0);

  // Pruned like HPA: recommendations older than both windows (0 s up, 300 s down) and events
  // older than the longest policy period (15 s) go.
  TargetState later = ApplyDecision(spec, done, Decision{}, false, kT0 + seconds(301));
  EXPECT_TRUE(later.recommendations->empty());
  EXPECT_TRUE(later.scale_up_events.empty());
  EXPECT_EQ(later.last_scale_up, kT0) << "the cooldown needs the last action";
}

core::Json Record(const std::string& reason, const std::string& actuation,
                  core::Json limits = core::Json::array(),
                  core::Json metrics = core::Json::array({{{"name", "cpu"}, {"value", 80}}})) {
  return {{"reason", reason},   {"currentReplicas", 3},
          {"replicas", 6},      {"actuation", {{"status", actuation}, {"error", "503"}}},
          {"metrics", metrics}, {"decision", {{"limits", limits}}}};
}

TEST(ConditionsTest, FollowTheHpaConditionTypesAndReasons) {
  struct Case {
    core::Json record;
    std::vector<std::string>
        expected;  // status/reason of AbleToScale, ScalingActive, ScalingLimited
  };
  const std::vector<Case> cases = {
      {Record("DesiredWithinRange", "applied"),
       {"True/SucceededRescale", "True/ValidMetricFound", "False/DesiredWithinRange"}},
      {Record("DesiredWithinRange", "dryRun"),
       {"True/SucceededRescale", "True/ValidMetricFound", "False/DesiredWithinRange"}},
      {Record("DesiredWithinRange", "none"),
       {"True/ReadyForNewScale", "True/ValidMetricFound", "False/DesiredWithinRange"}},
      {Record("ScaleUpLimit", "failed",
              core::Json::array({{{"kind", "ScaleUpLimit"}, {"value", 7}}})),
       {"False/FailedUpdateScale", "True/ValidMetricFound", "True/ScaleUpLimit"}},
      {Record("TooManyReplicas", "applied", core::Json::array({{{"kind", "TooManyReplicas"}}})),
       {"True/SucceededRescale", "True/ValidMetricFound", "True/TooManyReplicas"}},
      {Record("ScaleDownStabilized", "none"),
       {"True/ScaleDownStabilized", "True/ValidMetricFound", "False/DesiredWithinRange"}},
      {Record(
           "Cooldown", "none",
           core::Json::array({{{"kind", "Cooldown"}, {"direction", "up"}, {"secondsLeft", 45}}})),
       {"False/BackoffUpscale", "True/ValidMetricFound", "False/DesiredWithinRange"}},
      {Record("FailedGetScale", "none"),
       {"False/FailedGetScale", "True/ValidMetricFound", "False/DesiredWithinRange"}},
      {Record("MissingMetrics", "none", core::Json::array(),
              core::Json::array({{{"name", "cpu"}, {"value", nullptr}, {"error", "no sample"}}})),
       {"True/ReadyForNewScale", "False/FailedGetMetrics", "False/DesiredWithinRange"}},
      {Record("ScalingDisabled", "none"),
       {"True/ReadyForNewScale", "False/ScalingDisabled", "False/DesiredWithinRange"}},
      {Record("DesiredWithinRange", "unknown"),
       {"Unknown/ActuationUnknown", "True/ValidMetricFound", "False/DesiredWithinRange"}},
  };
  for (const Case& c : cases) {
    core::Json conditions = ConditionsFromRecord(c.record).value();
    ASSERT_EQ(conditions.size(), 3u);
    const std::vector<std::string> types = {"AbleToScale", "ScalingActive", "ScalingLimited"};
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(conditions[i]["type"], types[i]);
      EXPECT_EQ(conditions[i]["status"].get<std::string>() + "/" +
                    conditions[i]["reason"].get<std::string>(),
                c.expected[i])
          << c.record.dump();
    }
  }
  core::Json cooldown =
      ConditionsFromRecord(
          Record("Cooldown", "none",
                 core::Json::array(
                     {{{"kind", "Cooldown"}, {"direction", "down"}, {"secondsLeft", 120}}})))
          .value();
  EXPECT_EQ(cooldown[0]["reason"], "BackoffDownscale");
  EXPECT_EQ(cooldown[0]["message"],
            "the time since the previous scale is still within the scale-down cooldown (120s "
            "left)");
}

TEST(SyncRecordJsonTest, CarriesInputsOutcomeAndTheFullDecision) {
  SyncRecord r;
  r.id = "d1-00000000000000ff";
  r.target = "web";
  r.at = kT0;
  r.epoch = 3;
  r.mode = TargetMode::kDryRun;
  r.replicas_source = ReplicasSource::kLastDecision;
  MetricSample cpu;
  cpu.value = 83.5;
  cpu.sampled_at = kT0;
  cpu.source = "push";
  cpu.instances = 2;
  MetricSample rps;
  rps.source = "prometheus";
  rps.error = "prometheus: the query returned no series";
  r.metrics = {{"cpu", cpu}, {"rps", rps}};
  r.decision.current_replicas = 3;
  r.decision.replicas = 4;
  r.decision.reason = DecisionReason::kDesiredWithinRange;
  r.decision.message = "m";
  r.actuation = store::Actuation::kDryRun;
  r.hook = "webhook";
  core::Json j = SyncRecordToJson(r);
  EXPECT_EQ(j["at"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(j["mode"], "dryRun");
  EXPECT_EQ(j["actuation"],
            core::Json({{"status", "dryRun"}, {"hook", "webhook"}, {"error", nullptr}}));
  EXPECT_EQ(j["metrics"][0], core::Json({{"name", "cpu"},
                                         {"source", "push"},
                                         {"value", 83.5},
                                         {"sampledAt", "2023-11-14T22:13:20.123Z"},
                                         {"instances", 2}}));
  EXPECT_EQ(j["metrics"][1]["error"], "prometheus: the query returned no series");
  EXPECT_EQ(j["decision"], DecisionToJson(r.decision));
}

// The loop writes records and states without a DOM; the text must be exactly the DOM shapes.
TEST(SyncRecordJsonTest, TheWrittenTextIsTheDomShape) {
  TargetSpec spec;
  spec.name = "web";
  spec.min_replicas = 3;
  spec.max_replicas = 10;
  spec.metrics = {{"cpu", MetricType::kUtilization, 70, {}},
                  {"mem", MetricType::kUtilization, 80, {}},
                  {"rps", MetricType::kAverageValue, 1000, {}}};
  spec.cooldown = {60, 300};
  TargetState state;
  state.recommendations = std::vector<Recommendation>{{9, kT0 - seconds(30)}};
  state.scale_up_events = {{2, kT0 - seconds(10)}};
  state.last_scale_up = kT0 - seconds(10);
  Observation obs;
  obs.current_replicas = 4;
  obs.metrics = {{"cpu", 200.25, kT0}, {"mem", std::nullopt, std::nullopt}, {"rps", 1e9, kT0}};
  SyncRecord r;
  r.id = "d\"quoted\"";
  r.target = "web";
  r.at = kT0;
  r.epoch = 9;
  r.replicas_source = ReplicasSource::kHook;
  r.decision = Decide(spec, state, obs, kT0);
  ASSERT_FALSE(r.decision.limits.empty());
  ASSERT_FALSE(r.decision.new_recommendations.empty());
  MetricSample cpu;
  cpu.value = 200.25;
  cpu.source = "prometheus";
  r.metrics = {{"cpu", cpu}};
  r.actuation = store::Actuation::kFailed;
  r.error = "scale: line\nbreak";
  auto parsed = core::ParseJson(SyncRecordJsonText(r));
  ASSERT_TRUE(parsed.ok()) << SyncRecordJsonText(r);
  EXPECT_EQ((*parsed)["decision"], DecisionToJson(r.decision));
  EXPECT_EQ((*parsed)["id"], "d\"quoted\"");
  EXPECT_EQ((*parsed)["actuation"]["error"], "scale: line\nbreak");

  TargetState applied = ApplyDecision(spec, state, r.decision, true, kT0);
  EXPECT_EQ(TargetStateToJson(applied), core::Json::parse(TargetStateJsonText(applied)));
  auto back = TargetStateFromJson(core::Json::parse(TargetStateJsonText(applied)));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->recommendations, applied.recommendations);
  EXPECT_EQ(back->scale_up_events, applied.scale_up_events);
  EXPECT_EQ(back->last_scale_up, applied.last_scale_up);
}

}  // namespace
}  // namespace gov::controller
