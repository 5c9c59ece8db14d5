#include "rollouts/plan_json.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/time_format.h"
#include "rollouts/planner.h"
#include "rollouts/runtime_json.h"

namespace gov::rollouts {
namespace {

using std::chrono::seconds;

core::TimePoint At(const char* rfc3339) { return *core::ParseRfc3339(rfc3339); }

const core::TimePoint kNow = At("2026-11-01T00:00:00Z");

// The create request of the feature's description, verbatim but for the elided queries.
core::Json IssueExample() {
  return core::Json::parse(R"json({"name": "checkout-v2-prod",
 "feature": "checkout-v2", "environment": "production",
 "stickiness": "default",
 "milestones": [
   {"rollout": 1,   "advanceAfterSeconds": 600},
   {"rollout": 10,  "advanceAfterSeconds": 3600, "minExposures": 1000},
   {"rollout": 50,  "advanceAt": "2026-12-10T09:00:00Z"},
   {"rollout": 100}
 ],
 "guardrails": [
   {"name": "p99", "prometheus": {"query": "histogram_quantile(0.99, x)",
                                  "url": "http://127.0.0.1:9090",
                                  "above": 1.0, "forSeconds": 300,
                                  "evaluationIntervalSeconds": 15}},
   {"name": "errors", "prometheus": {"query": "errors", "above": 0.05, "forSeconds": 120}},
   {"name": "conversion", "metric": {"metric": "purchase", "maxRelativeDrop": 0.02}}
 ],
 "onBreach": "rollback",
 "notify": {"webhook": {"url": "https://hooks.example/x",
                        "secretEnv": "GOVERNOR_ROLLOUT_WEBHOOK_SECRET"}}})json");
}

TEST(RolloutsPlanJson, ParsesTheDocumentedExample) {
  core::StatusOr<ReleasePlanSpec> spec = ParseReleasePlan(IssueExample(), kNow);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->name, "checkout-v2-prod");
  EXPECT_EQ(spec->feature, "checkout-v2");
  EXPECT_EQ(spec->environment, "production");
  EXPECT_EQ(spec->stickiness, "default");
  ASSERT_EQ(spec->milestones.size(), 4u);
  EXPECT_EQ(spec->milestones[0], (Milestone{.rollout = 1, .advance_after = seconds(600)}));
  EXPECT_EQ(spec->milestones[1],
            (Milestone{.rollout = 10, .advance_after = seconds(3600), .min_exposures = 1000}));
  EXPECT_EQ(spec->milestones[2],
            (Milestone{.rollout = 50, .advance_at = At("2026-12-10T09:00:00Z")}));
  EXPECT_EQ(spec->milestones[3], (Milestone{.rollout = 100}));
  ASSERT_EQ(spec->guardrails.size(), 3u);
  const auto& p99 = std::get<PrometheusGuardrail>(spec->guardrails[0].check);
  EXPECT_EQ(p99.query, "histogram_quantile(0.99, x)");
  EXPECT_EQ(p99.comparison, Comparison::kAbove);
  EXPECT_EQ(p99.threshold, 1.0);
  EXPECT_EQ(p99.for_duration, seconds(300));
  EXPECT_EQ(p99.evaluation_interval, seconds(15));
  const auto& errors = std::get<PrometheusGuardrail>(spec->guardrails[1].check);
  EXPECT_EQ(errors.url, "http://127.0.0.1:9090");  // the default
  EXPECT_EQ(errors.evaluation_interval, seconds(15));
  EXPECT_EQ(std::get<MetricGuardrail>(spec->guardrails[2].check),
            (MetricGuardrail{"purchase", 0.02}));
  EXPECT_EQ(spec->on_breach, OnBreach::kRollback);
  ASSERT_TRUE(spec->webhook);
  EXPECT_EQ(spec->webhook->secret_env, "GOVERNOR_ROLLOUT_WEBHOOK_SECRET");
}

TEST(RolloutsPlanJson, Defaults) {
  core::StatusOr<ReleasePlanSpec> spec = ParseReleasePlan(
      {{"name", "p"}, {"feature", "f"}, {"environment", "e"}, {"milestones", {{{"rollout", 5}}}}},
      kNow);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->stickiness, "default");
  EXPECT_EQ(spec->on_breach, OnBreach::kRollback);
  EXPECT_FALSE(spec->webhook);
  EXPECT_TRUE(spec->guardrails.empty());
}

// Each row changes the example and names the field the error must name.
struct InvalidCase {
  const char* name;
  std::function<void(core::Json&)> change;
  const char* field;
};

TEST(RolloutsPlanJson, ErrorsNameTheField) {
  const std::vector<InvalidCase> cases = {
      {"non-increasing percentages", [](core::Json& j) { j["milestones"][1]["rollout"] = 1; },
       "milestones[1].rollout"},
      {"decreasing percentages", [](core::Json& j) { j["milestones"][2]["rollout"] = 5; },
       "milestones[2].rollout"},
      {"rollout above 100", [](core::Json& j) { j["milestones"][3]["rollout"] = 101; },
       "milestones[3].rollout"},
      {"rollout below 0", [](core::Json& j) { j["milestones"][0]["rollout"] = -1; },
       "milestones[0].rollout"},
      {"fractional rollout", [](core::Json& j) { j["milestones"][0]["rollout"] = 1.5; },
       "milestones[0].rollout"},
      {"missing rollout", [](core::Json& j) { j["milestones"][0].erase("rollout"); },
       "milestones[0].rollout"},
      {"advanceAt in the past",
       [](core::Json& j) { j["milestones"][2]["advanceAt"] = "2026-10-31T23:59:59Z"; },
       "milestones[2].advanceAt"},
      {"advanceAt now",
       [](core::Json& j) { j["milestones"][2]["advanceAt"] = "2026-11-01T00:00:00Z"; },
       "milestones[2].advanceAt"},
      {"advanceAt malformed", [](core::Json& j) { j["milestones"][2]["advanceAt"] = "tomorrow"; },
       "milestones[2].advanceAt"},
      {"advanceAfterSeconds and advanceAt",
       [](core::Json& j) { j["milestones"][0]["advanceAt"] = "2026-12-01T00:00:00Z"; },
       "milestones[0].advanceAt"},
      {"advanceAfterSeconds 0",
       [](core::Json& j) { j["milestones"][0]["advanceAfterSeconds"] = 0; },
       "milestones[0].advanceAfterSeconds"},
      {"negative minExposures", [](core::Json& j) { j["milestones"][1]["minExposures"] = -1; },
       "milestones[1].minExposures"},
      {"last milestone advances",
       [](core::Json& j) { j["milestones"][3]["advanceAfterSeconds"] = 60; },
       "milestones[3].advanceAfterSeconds"},
      {"unknown milestone field", [](core::Json& j) { j["milestones"][0]["speed"] = 1; },
       "milestones[0].speed"},
      {"empty milestones", [](core::Json& j) { j["milestones"] = core::Json::array(); },
       "milestones"},
      {"no milestones", [](core::Json& j) { j.erase("milestones"); }, "milestones"},
      {"neither above nor below",
       [](core::Json& j) { j["guardrails"][0]["prometheus"].erase("above"); },
       "guardrails[0].prometheus.above"},
      {"both above and below",
       [](core::Json& j) { j["guardrails"][1]["prometheus"]["below"] = 0.01; },
       "guardrails[1].prometheus.below"},
      {"evaluation interval below 1",
       [](core::Json& j) { j["guardrails"][0]["prometheus"]["evaluationIntervalSeconds"] = 0; },
       "guardrails[0].prometheus.evaluationIntervalSeconds"},
      {"negative forSeconds",
       [](core::Json& j) { j["guardrails"][1]["prometheus"]["forSeconds"] = -5; },
       "guardrails[1].prometheus.forSeconds"},
      {"empty query", [](core::Json& j) { j["guardrails"][1]["prometheus"]["query"] = ""; },
       "guardrails[1].prometheus.query"},
      {"bad Prometheus url",
       [](core::Json& j) { j["guardrails"][0]["prometheus"]["url"] = "ftp://x"; },
       "guardrails[0].prometheus.url"},
      {"unknown Prometheus field",
       [](core::Json& j) { j["guardrails"][0]["prometheus"]["step"] = 1; },
       "guardrails[0].prometheus.step"},
      {"duplicate guardrail names", [](core::Json& j) { j["guardrails"][2]["name"] = "p99"; },
       "guardrails[2].name"},
      {"guardrail of no kind", [](core::Json& j) { j["guardrails"][2].erase("metric"); },
       "guardrails[2].prometheus"},
      {"guardrail of two kinds",
       [](core::Json& j) { j["guardrails"][2]["prometheus"] = j["guardrails"][1]["prometheus"]; },
       "guardrails[2].metric"},
      {"negative maxRelativeDrop",
       [](core::Json& j) { j["guardrails"][2]["metric"]["maxRelativeDrop"] = -0.1; },
       "guardrails[2].metric.maxRelativeDrop"},
      {"bad metric name", [](core::Json& j) { j["guardrails"][2]["metric"]["metric"] = "a b"; },
       "guardrails[2].metric.metric"},
      {"unknown onBreach", [](core::Json& j) { j["onBreach"] = "explode"; }, "onBreach"},
      {"unknown field", [](core::Json& j) { j["owner"] = "me"; }, "owner"},
      {"bad plan name", [](core::Json& j) { j["name"] = "a/b"; }, "name"},
      {"missing feature", [](core::Json& j) { j.erase("feature"); }, "feature"},
      {"bad feature name", [](core::Json& j) { j["feature"] = ".hidden"; }, "feature"},
      {"empty environment", [](core::Json& j) { j["environment"] = ""; }, "environment"},
      {"empty stickiness", [](core::Json& j) { j["stickiness"] = ""; }, "stickiness"},
      {"bad constraint operator",
       [](core::Json& j) {
         j["constraints"] = {{{"contextName", "userId"}, {"operator", "NUM_GT"}, {"value", "x"}}};
       },
       "constraints[0].value"},
      {"bad segment id",
       [](core::Json& j) {
         j["segments"] = {1, "two"};
       },
       "segments[1]"},
      {"bad webhook url", [](core::Json& j) { j["notify"]["webhook"]["url"] = "mailto:x"; },
       "notify.webhook.url"},
      {"bad secretEnv", [](core::Json& j) { j["notify"]["webhook"]["secretEnv"] = "1-X"; },
       "notify.webhook.secretEnv"},
  };
  for (const InvalidCase& c : cases) {
    core::Json body = IssueExample();
    c.change(body);
    core::StatusOr<ReleasePlanSpec> spec = ParseReleasePlan(body, kNow);
    ASSERT_FALSE(spec.ok()) << c.name;
    EXPECT_EQ(spec.status().code(), core::StatusCode::kInvalidArgument) << c.name;
    EXPECT_EQ(spec.status().field(), c.field) << c.name << ": " << spec.status().ToString();
  }
}

TEST(RolloutsPlanJson, SpecRoundTripsAndTheStoredFormKeepsPastTimes) {
  core::Json body = IssueExample();
  body["constraints"] = {{{"contextName", "country"}, {"operator", "IN"}, {"values", {"NO"}}}};
  body["segments"] = {3};
  core::StatusOr<ReleasePlanSpec> spec = ParseReleasePlan(body, kNow);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  ASSERT_EQ(spec->constraints.size(), 1u);
  EXPECT_EQ(spec->constraints[0].op, "IN");
  const core::Json stored = ReleasePlanSpecToJson(*spec);
  EXPECT_EQ(stored["milestones"][3]["advanceAt"], nullptr);
  EXPECT_EQ(stored["guardrails"][1]["prometheus"]["above"], 0.05);
  EXPECT_FALSE(stored["guardrails"][1]["prometheus"].contains("below"));
  core::StatusOr<ReleasePlanSpec> back = ReleasePlanSpecFromJson(stored);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, *spec);
  // A request re-sending the stored form after advanceAt passed is refused, the stored form
  // itself is not.
  EXPECT_FALSE(ParseReleasePlan(stored, At("2027-01-01T00:00:00Z")).ok());
  EXPECT_TRUE(ReleasePlanSpecFromJson(stored).ok());
}

ReleasePlanSpec ExampleSpec() { return *ParseReleasePlan(IssueExample(), kNow); }

TEST(RolloutsPlanJson, ReadViewOfADraft) {
  const ReleasePlanSpec spec = ExampleSpec();
  const core::Json view = PlanViewToJson(spec, NewRuntime(spec));
  const core::Json expected = core::Json::parse(R"({
    "name": "checkout-v2-prod", "feature": "checkout-v2", "environment": "production",
    "state": "draft", "milestone": 0, "rollout": 0, "milestoneStartedAt": null,
    "nextTransitionAt": null,
    "guardrails": [
      {"name": "p99", "status": "ok", "value": null, "since": null, "error": null,
       "lastEvaluatedAt": null, "ciLow": null, "ciHigh": null},
      {"name": "errors", "status": "ok", "value": null, "since": null, "error": null,
       "lastEvaluatedAt": null, "ciLow": null, "ciHigh": null},
      {"name": "conversion", "status": "ok", "value": null, "since": null, "error": null,
       "lastEvaluatedAt": null, "ciLow": null, "ciHigh": null}],
    "history": []})");
  // The definition as written, in the form POST /api/v1/release-plans takes.
  EXPECT_EQ(ReleasePlanSpecFromJson(view["definition"]).value(), spec);
  core::Json without = view;
  without.erase("definition");
  EXPECT_EQ(without, expected) << view.dump(2);
}

TEST(RolloutsPlanJson, ReadViewOfARunningPlanAfterABreach) {
  ReleasePlanSpec spec = ExampleSpec();
  spec.on_breach = OnBreach::kPause;
  const core::TimePoint t0 = At("2026-11-01T10:00:00Z");
  PlanRuntime rt = ApplyAction(spec, NewRuntime(spec), Action::kStart, "alice", t0)->runtime;
  Observations obs;
  obs.prometheus["p99"] = {.at = t0 + seconds(10), .value = 1.5};
  rt = Step(spec, rt, obs, t0 + seconds(10)).runtime;
  obs.prometheus["p99"] = {.at = t0 + seconds(310), .value = 1.25};
  obs.prometheus["errors"] = {.at = t0 + seconds(310), .error = "connection refused"};
  rt = Step(spec, rt, obs, t0 + seconds(310)).runtime;
  ASSERT_EQ(rt.state, PlanState::kPaused);

  const core::Json view = PlanViewToJson(spec, rt);
  const core::Json expected = core::Json::parse(R"({
    "name": "checkout-v2-prod", "feature": "checkout-v2", "environment": "production",
    "state": "paused", "milestone": 0, "rollout": 1,
    "milestoneStartedAt": "2026-11-01T10:00:00.000Z", "nextTransitionAt": null,
    "guardrails": [
      {"name": "p99", "status": "breached", "value": 1.25, "since": "2026-11-01T10:00:10.000Z",
       "error": null, "lastEvaluatedAt": "2026-11-01T10:05:10.000Z", "ciLow": null,
       "ciHigh": null},
      {"name": "errors", "status": "error", "value": null, "since": "2026-11-01T10:05:10.000Z",
       "error": "connection refused", "lastEvaluatedAt": "2026-11-01T10:05:10.000Z",
       "ciLow": null, "ciHigh": null},
      {"name": "conversion", "status": "ok", "value": null, "since": null, "error": null,
       "lastEvaluatedAt": null, "ciLow": null, "ciHigh": null}],
    "history": [
      {"at": "2026-11-01T10:00:00.000Z", "event": "started",
       "from": {"state": "draft", "milestone": 0, "rollout": 0},
       "to": {"state": "running", "milestone": 0, "rollout": 1},
       "cause": {"kind": "manual", "guardrail": null, "value": null, "threshold": null,
                 "since": null, "actor": "alice", "message": "start by alice"}},
      {"at": "2026-11-01T10:05:10.000Z", "event": "paused",
       "from": {"state": "running", "milestone": 0, "rollout": 1},
       "to": {"state": "paused", "milestone": 0, "rollout": 1},
       "cause": {"kind": "guardrail", "guardrail": "p99", "value": 1.25, "threshold": 1.0,
                 "since": "2026-11-01T10:00:10.000Z", "actor": null,
                 "message": "p99 = 1.25, above 1 for 300 s"}}]})");
  core::Json without = view;
  without.erase("definition");
  EXPECT_EQ(without, expected) << view.dump(2);

  // The runtime as stored reads back equal.
  core::StatusOr<PlanRuntime> back = PlanRuntimeFromJson(PlanRuntimeToJson(rt));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, rt);

  // The webhook body of the pause.
  const core::Json hook = WebhookBody(spec, rt.history.back());
  EXPECT_EQ(hook, core::Json::parse(R"({"plan": "checkout-v2-prod", "feature": "checkout-v2",
    "environment": "production", "event": "paused",
    "cause": {"guardrail": "p99", "value": 1.25, "threshold": 1.0,
              "since": "2026-11-01T10:00:10.000Z"},
    "at": "2026-11-01T10:05:10.000Z"})"))
      << hook.dump(2);
}

TEST(RolloutsPlanJson, ReadViewShowsTheScheduledAdvance) {
  const ReleasePlanSpec spec = ExampleSpec();
  const core::TimePoint t0 = At("2026-11-01T10:00:00Z");
  PlanRuntime rt = ApplyAction(spec, NewRuntime(spec), Action::kStart, "alice", t0)->runtime;
  EXPECT_EQ(PlanViewToJson(spec, rt)["nextTransitionAt"], "2026-11-01T10:10:00.000Z");
  rt = ApplyAction(spec, rt, Action::kAdvance, "alice", t0)->runtime;
  rt = ApplyAction(spec, rt, Action::kAdvance, "alice", t0)->runtime;
  EXPECT_EQ(PlanViewToJson(spec, rt)["nextTransitionAt"], "2026-12-10T09:00:00.000Z");
  EXPECT_EQ(PlanViewToJson(spec, rt)["rollout"], 50);
}

TEST(RolloutsPlanJson, StoredRuntimeErrorsNameTheField) {
  core::Json stored = PlanRuntimeToJson(PlanRuntime{});
  stored["state"] = "sleeping";
  EXPECT_EQ(PlanRuntimeFromJson(stored).status().field(), "state");
}

}  // namespace
}  // namespace gov::rollouts
