// experiments/experiment_json.h: metric definitions and experiments both ways, and every
// validation error naming its field.

#include "experiments/experiment_json.h"

#include <gtest/gtest.h>

namespace gov::experiments {
namespace {

core::Json J(const char* text) { return core::Json::parse(text); }

const char* kMetric = R"({"name": "checkout.revenue", "description": "revenue per user",
  "type": "ratio", "numerator": {"event": "purchase", "aggregation": "sum"},
  "denominator": {"event": "visit", "aggregation": "count"}, "direction": "higherIsBetter",
  "conversionWindowSeconds": 86400})";

const char* kExperiment = R"({"key": "checkout-v2", "name": "New checkout",
  "hypothesis": "fewer steps convert better", "environment": "production",
  "feature": "checkout", "controlVariant": "control", "randomizationUnit": "userId",
  "metrics": [{"metric": "conversion", "role": "goal"},
              {"metric": "latency", "role": "guardrail"}]})";

TEST(MetricJsonTest, ParsesEveryFieldAndWritesItBack) {
  auto m = ParseMetricDefinition(J(kMetric));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->name, "checkout.revenue");
  EXPECT_EQ(m->type, MetricType::kRatio);
  EXPECT_EQ(m->numerator, (EventAggregate{"purchase", Aggregation::kSum}));
  EXPECT_EQ(m->denominator, (EventAggregate{"visit", Aggregation::kCount}));
  EXPECT_EQ(m->conversion_window_seconds, 86400);
  m->version = 3;
  m->created_at = core::FromUnixMillis(1'700'000'000'123);
  m->updated_at = core::FromUnixMillis(1'700'000'001'000);
  const core::Json wire = MetricDefinitionToJson(*m);
  EXPECT_EQ(wire["version"], 3);
  EXPECT_EQ(wire["createdAt"], "2023-11-14T22:13:20.123Z");
  // A GET result can be sent back: version and times are accepted and ignored.
  auto again = ParseMetricDefinition(wire);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  MetricDefinition expected = *m;
  expected.version = 1;
  expected.created_at = expected.updated_at = core::TimePoint{};
  EXPECT_EQ(*again, expected);
}

TEST(MetricJsonTest, DefaultsForAProportion) {
  auto m = ParseMetricDefinition(
      J(R"({"name": "conversion", "type": "proportion", "numerator": {"event": "purchase"}})"));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->numerator.aggregation, Aggregation::kSum);
  EXPECT_EQ(m->direction, Direction::kHigherIsBetter);
  EXPECT_FALSE(m->denominator);
  EXPECT_FALSE(m->conversion_window_seconds);
  EXPECT_TRUE(MetricDefinitionToJson(*m)["denominator"].is_null());
  EXPECT_TRUE(MetricDefinitionToJson(*m)["conversionWindowSeconds"].is_null());
}

TEST(MetricJsonTest, EveryErrorNamesItsField) {
  struct Case {
    const char* name;
    const char* json;
    const char* field;
  };
  const std::vector<Case> cases = {
      {"not an object", R"([])", ""},
      {"unknown field", R"({"name": "m", "type": "mean", "numerator": {"event": "e"}, "x": 1})",
       "x"},
      {"missing name", R"({"type": "mean", "numerator": {"event": "e"}})", "name"},
      {"bad name", R"({"name": "a b", "type": "mean", "numerator": {"event": "e"}})", "name"},
      {"long name", nullptr, "name"},
      {"missing type", R"({"name": "m", "numerator": {"event": "e"}})", "type"},
      {"unknown type", R"({"name": "m", "type": "median", "numerator": {"event": "e"}})", "type"},
      {"missing numerator", R"({"name": "m", "type": "mean"})", "numerator"},
      {"numerator not an object", R"({"name": "m", "type": "mean", "numerator": "e"})",
       "numerator"},
      {"metric on a missing event", R"({"name": "m", "type": "mean", "numerator": {}})",
       "numerator.event"},
      {"empty event", R"({"name": "m", "type": "mean", "numerator": {"event": ""}})",
       "numerator.event"},
      {"bad aggregation",
       R"({"name": "m", "type": "mean", "numerator": {"event": "e", "aggregation": "max"}})",
       "numerator.aggregation"},
      {"unknown numerator field",
       R"({"name": "m", "type": "mean", "numerator": {"event": "e", "value": 1}})",
       "numerator.value"},
      {"ratio without denominator",
       R"({"name": "m", "type": "ratio", "numerator": {"event": "e"}})", "denominator"},
      {"denominator of a mean",
       R"({"name": "m", "type": "mean", "numerator": {"event": "e"},
           "denominator": {"event": "f"}})",
       "denominator"},
      {"denominator on a missing event",
       R"({"name": "m", "type": "ratio", "numerator": {"event": "e"}, "denominator": {}})",
       "denominator.event"},
      {"bad direction",
       R"({"name": "m", "type": "mean", "numerator": {"event": "e"}, "direction": "up"})",
       "direction"},
      {"zero window",
       R"({"name": "m", "type": "mean", "numerator": {"event": "e"},
           "conversionWindowSeconds": 0})",
       "conversionWindowSeconds"},
      {"fractional window",
       R"({"name": "m", "type": "mean", "numerator": {"event": "e"},
           "conversionWindowSeconds": 1.5})",
       "conversionWindowSeconds"},
  };
  for (const Case& c : cases) {
    core::Json json = c.json ? J(c.json)
                             : core::Json{{"name", std::string(101, 'a')},
                                          {"type", "mean"},
                                          {"numerator", {{"event", "e"}}}};
    auto m = ParseMetricDefinition(json);
    ASSERT_FALSE(m.ok()) << c.name;
    EXPECT_EQ(m.status().code(), core::StatusCode::kInvalidArgument) << c.name;
    EXPECT_EQ(m.status().field(), c.field) << c.name << ": " << m.status().ToString();
  }
}

TEST(ExperimentJsonTest, ParsesADraftWithDefaults) {
  auto e = ParseExperiment(J(kExperiment));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->key, "checkout-v2");
  EXPECT_EQ(e->status, ExperimentStatus::kDraft);
  EXPECT_EQ(e->metrics, (std::vector<ExperimentMetric>{{"conversion", MetricRole::kGoal},
                                                       {"latency", MetricRole::kGuardrail}}));
  EXPECT_EQ(e->analysis, AnalysisSettings{});
  EXPECT_EQ(e->analysis.sequential_tuning_parameter, 5000);
  EXPECT_EQ(e->analysis.correction, Correction::kHolm);

  core::Json minimal = J(kExperiment);
  minimal.erase("name");
  minimal.erase("randomizationUnit");
  auto m = ParseExperiment(minimal);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->name, "checkout-v2");
  EXPECT_EQ(m->randomization_unit, "userId");
}

TEST(ExperimentJsonTest, AnalysisSettingsNullMeansOffAbsentMeansDefault) {
  core::Json json = J(kExperiment);
  json["analysis"] = J(R"({"engine": "bayesian", "difference": "absolute", "alpha": 0.1,
      "sequential": null, "prior": {"mean": 0, "variance": 0.04},
      "cupedLookbackSeconds": 604800, "correction": "benjaminiHochberg"})");
  auto e = ParseExperiment(json);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->analysis.engine, Engine::kBayesian);
  EXPECT_EQ(e->analysis.difference, Difference::kAbsolute);
  EXPECT_EQ(e->analysis.alpha, 0.1);
  EXPECT_FALSE(e->analysis.sequential_tuning_parameter);
  EXPECT_EQ(e->analysis.prior_mean, 0);
  EXPECT_EQ(e->analysis.prior_variance, 0.04);
  EXPECT_EQ(e->analysis.cuped_lookback_seconds, 604800);
  EXPECT_EQ(e->analysis.correction, Correction::kBenjaminiHochberg);
  const core::Json wire = ExperimentToJson(*e)["analysis"];
  EXPECT_TRUE(wire["sequential"].is_null());
  EXPECT_EQ(wire["prior"], J(R"({"mean": 0.0, "variance": 0.04})"));

  json["analysis"] = J(R"({"sequential": {"tuningParameter": 2000}})");
  e = ParseExperiment(json);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->analysis.sequential_tuning_parameter, 2000);
  EXPECT_EQ(ExperimentToJson(*e)["analysis"]["sequential"], J(R"({"tuningParameter": 2000.0})"));
}

TEST(ExperimentJsonTest, FullRoundTripKeepsWhatTheServerOwns) {
  auto parsed = ParseExperiment(J(kExperiment));
  ASSERT_TRUE(parsed.ok());
  Experiment e = *parsed;
  e.analysis.cuped_lookback_seconds = 3600;
  e.status = ExperimentStatus::kConcluded;
  e.arms = {{"control", 500}, {"treatment", 500}};
  e.started_at = core::FromUnixMillis(1'700'000'000'000);
  e.stopped_at = core::FromUnixMillis(1'700'086'400'500);
  e.conclusion = Conclusion{Decision::kShip, "treatment", "won on conversion", "alice",
                            core::FromUnixMillis(1'700'090'000'000)};
  e.version = 7;
  e.created_at = core::FromUnixMillis(1'699'000'000'000);
  e.updated_at = core::FromUnixMillis(1'700'090'000'000);
  const core::Json wire = ExperimentToJson(e);
  EXPECT_EQ(wire["status"], "concluded");
  EXPECT_EQ(wire["arms"], J(R"([{"variant": "control", "weight": 500},
                                {"variant": "treatment", "weight": 500}])"));
  EXPECT_EQ(wire["conclusion"]["decision"], "ship");
  EXPECT_EQ(wire["startedAt"], "2023-11-14T22:13:20.000Z");
  auto back = ExperimentFromJson(wire);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, e);

  // The client form ignores what the server owns: the result is a draft.
  auto as_input = ParseExperiment(wire);
  ASSERT_TRUE(as_input.ok()) << as_input.status().ToString();
  EXPECT_EQ(as_input->status, ExperimentStatus::kDraft);
  EXPECT_TRUE(as_input->arms.empty());
  EXPECT_FALSE(as_input->conclusion);
}

TEST(ExperimentJsonTest, EveryErrorNamesItsField) {
  struct Case {
    const char* name;
    const char* patch;  // merged into kExperiment (null removes a member)
    const char* field;
  };
  const std::vector<Case> cases = {
      {"unknown field", R"({"owner": "x"})", "owner"},
      {"missing key", R"({"key": null})", "key"},
      {"bad key", R"({"key": "a/b"})", "key"},
      {"name not a string", R"({"name": 3})", "name"},
      {"missing environment", R"({"environment": null})", "environment"},
      {"empty environment", R"({"environment": ""})", "environment"},
      {"missing feature", R"({"feature": null})", "feature"},
      {"bad feature", R"({"feature": "a b"})", "feature"},
      {"missing control", R"({"controlVariant": null})", "controlVariant"},
      {"bad unit", R"({"randomizationUnit": "favoriteColor"})", "randomizationUnit"},
      {"bad property unit", R"({"randomizationUnit": "properties."})", "randomizationUnit"},
      {"missing metrics", R"({"metrics": null})", "metrics"},
      {"no metrics", R"({"metrics": []})", "metrics"},
      {"metrics not an array", R"({"metrics": {}})", "metrics"},
      {"metric not an object", R"({"metrics": ["conversion"]})", "metrics[0]"},
      {"metric without name", R"({"metrics": [{"role": "goal"}]})", "metrics[0].metric"},
      {"bad role",
       R"({"metrics": [{"metric": "a", "role": "goal"}, {"metric": "b", "role": "main"}]})",
       "metrics[1].role"},
      {"missing role", R"({"metrics": [{"metric": "a"}]})", "metrics[0].role"},
      {"unknown metric field", R"({"metrics": [{"metric": "a", "role": "goal", "w": 1}]})",
       "metrics[0].w"},
      {"metric twice",
       R"({"metrics": [{"metric": "a", "role": "goal"}, {"metric": "a", "role": "secondary"}]})",
       "metrics[1].metric"},
      {"no goal", R"({"metrics": [{"metric": "a", "role": "guardrail"}]})", "metrics"},
      {"analysis not an object", R"({"analysis": 1})", "analysis"},
      {"unknown analysis field", R"({"analysis": {"power": 0.8}})", "analysis.power"},
      {"bad engine", R"({"analysis": {"engine": "magic"}})", "analysis.engine"},
      {"bad difference", R"({"analysis": {"difference": "ratio"}})", "analysis.difference"},
      {"alpha zero", R"({"analysis": {"alpha": 0}})", "analysis.alpha"},
      {"alpha one", R"({"analysis": {"alpha": 1}})", "analysis.alpha"},
      {"bad correction", R"({"analysis": {"correction": "bonferroni"}})", "analysis.correction"},
      {"sequential not an object", R"({"analysis": {"sequential": 5}})", "analysis.sequential"},
      {"bad tuning", R"({"analysis": {"sequential": {"tuningParameter": -1}}})",
       "analysis.sequential.tuningParameter"},
      {"prior without variance", R"({"analysis": {"engine": "bayesian", "prior": {"mean": 0}}})",
       "analysis.prior.variance"},
      {"prior variance zero",
       R"({"analysis": {"engine": "bayesian", "prior": {"mean": 0, "variance": 0}}})",
       "analysis.prior.variance"},
      {"prior for the frequentist engine", R"({"analysis": {"prior": {"mean": 0, "variance": 1}}})",
       "analysis.prior"},
      {"bad cuped", R"({"analysis": {"cupedLookbackSeconds": -5}})",
       "analysis.cupedLookbackSeconds"},
  };
  for (const Case& c : cases) {
    core::Json json = J(kExperiment);
    json.merge_patch(J(c.patch));
    auto e = ParseExperiment(json);
    ASSERT_FALSE(e.ok()) << c.name;
    EXPECT_EQ(e.status().code(), core::StatusCode::kInvalidArgument) << c.name;
    EXPECT_EQ(e.status().field(), c.field) << c.name << ": " << e.status().ToString();
  }
}

TEST(ConcludeJsonTest, ShipNeedsAVariantAndOnlyShipTakesOne) {
  auto ship = ParseConcludeRequest(J(R"({"decision": "ship", "variant": "b", "reason": "won"})"));
  ASSERT_TRUE(ship.ok()) << ship.status().ToString();
  EXPECT_EQ(ship->decision, Decision::kShip);
  EXPECT_EQ(ship->variant, "b");
  EXPECT_EQ(ship->reason, "won");
  auto rollback = ParseConcludeRequest(J(R"({"decision": "rollback"})"));
  ASSERT_TRUE(rollback.ok());
  EXPECT_FALSE(rollback->variant);

  struct Case {
    const char* json;
    const char* field;
  };
  for (const Case& c : std::vector<Case>{
           {R"({})", "decision"},
           {R"({"decision": "win"})", "decision"},
           {R"({"decision": "ship"})", "variant"},
           {R"({"decision": "inconclusive", "variant": "b"})", "variant"},
           {R"({"decision": "rollback", "why": "x"})", "why"},
           {R"({"decision": "rollback", "reason": 5})", "reason"},
       }) {
    auto r = ParseConcludeRequest(J(c.json));
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.status().field(), c.field) << c.json << ": " << r.status().ToString();
  }
}

}  // namespace
}  // namespace gov::experiments
