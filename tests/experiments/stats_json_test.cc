// The statistics engine's JSON front: strict parsing that names the field of the first error,
// and the response shape (docs/statistics.md, api/openapi.yaml AnalysisRequest/AnalysisResult).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/json_util.h"
#include "experiments/stats/analysis_json.h"

namespace gov::experiments::stats {
namespace {

using core::Json;

Json Valid() {
  return Json::parse(R"({"metricType": "mean", "variants": [
      {"name": "control", "n": 100, "sum": 50, "sumSquares": 80},
      {"name": "b", "n": 110, "sum": 60, "sumSquares": 95}]})");
}

struct BadCase {
  const char* name;
  std::string patch;  // a JSON merge patch applied to Valid()
  std::string field;
};

TEST(StatsJsonTest, InvalidInputNamesTheField) {
  const std::vector<BadCase> cases = {
      {"not an object", "", "body"},
      {"missing metricType", R"({"metricType": null})", "metricType"},
      {"unknown metricType", R"({"metricType": "median"})", "metricType"},
      {"unknown engine", R"({"engine": "bootstrap"})", "engine"},
      {"unknown difference", R"({"difference": "ratio"})", "difference"},
      {"unknown alternative", R"({"alternative": "both"})", "alternative"},
      {"alpha zero", R"({"alpha": 0})", "alpha"},
      {"alpha too big", R"({"alpha": 0.7})", "alpha"},
      {"alpha string", R"({"alpha": "0.05"})", "alpha"},
      {"unknown member", R"({"colour": 1})", "colour"},
      {"inverse not bool", R"({"inverse": 1})", "inverse"},
      {"tuning zero", R"({"sequential": {"tuningParameter": 0}})", "sequential.tuningParameter"},
      {"sequential unknown", R"({"sequential": {"n": 5}})", "sequential.n"},
      {"sequential bayesian", R"({"engine": "bayesian", "sequential": {}})", "sequential"},
      {"prior frequentist", R"({"prior": {"variance": 1}})", "prior"},
      {"prior without variance", R"({"engine": "bayesian", "prior": {"mean": 0}})",
       "prior.variance"},
      {"prior variance zero", R"({"engine": "bayesian", "prior": {"variance": 0}})",
       "prior.variance"},
      {"cuped ratio", R"({"metricType": "ratio", "cuped": true})", "cuped"},
      {"variants missing", R"({"variants": null})", "variants"},
      {"variants not array", R"({"variants": {}})", "variants"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    Json body = Valid();
    if (c.patch.empty()) {
      body = Json::array();
    } else {
      const Json patch = Json::parse(c.patch);
      body.merge_patch(patch);
      // merge_patch drops nulls: put explicit nulls back so "null" cases test them.
      for (const auto& item : patch.items()) {
        if (item.value().is_null() && item.key() != "metricType") body[item.key()] = nullptr;
      }
    }
    const auto parsed = ParseAnalysisRequest(body);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), core::StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().field(), c.field) << parsed.status().ToString();
  }
}

TEST(StatsJsonTest, InvalidVariantNamesTheIndexedField) {
  struct VariantCase {
    const char* name;
    std::string metric;
    bool cuped;
    std::string variant;  // replaces variants[1]
    std::string field;
  };
  const std::vector<VariantCase> cases = {
      {"one variant", "mean", false, "", "variants"},
      {"missing sumSquares", "mean", false, R"({"name": "b", "n": 10, "sum": 5})",
       "variants[1].sumSquares"},
      {"negative n", "mean", false, R"({"name": "b", "n": -1, "sum": 5, "sumSquares": 5})",
       "variants[1].n"},
      {"fractional n", "mean", false, R"({"name": "b", "n": 1.5, "sum": 5, "sumSquares": 5})",
       "variants[1].n"},
      {"missing name", "mean", false, R"({"n": 10, "sum": 5, "sumSquares": 5})",
       "variants[1].name"},
      {"duplicate name", "mean", false,
       R"({"name": "control", "n": 10, "sum": 5, "sumSquares": 5})", "variants[1].name"},
      {"sumSquares too small", "mean", false,
       R"({"name": "b", "n": 10, "sum": 50, "sumSquares": 5})", "variants[1].sumSquares"},
      {"proportion above n", "proportion", false, R"({"name": "b", "n": 10, "sum": 11})",
       "variants[1].sum"},
      {"weight on one only", "mean", false,
       R"({"name": "b", "n": 10, "sum": 5, "sumSquares": 5, "weight": 1})", "variants[1].weight"},
      {"ratio member on mean", "mean", false,
       R"({"name": "b", "n": 10, "sum": 5, "sumSquares": 5, "crossSum": 1})",
       "variants[1].crossSum"},
      {"ratio without denominator", "ratio", false,
       R"({"name": "b", "n": 10, "numerator": {"sum": 5, "sumSquares": 5}, "crossSum": 1})",
       "variants[1].denominator"},
      {"ratio numerator sum", "ratio", false,
       R"({"name": "b", "n": 10, "numerator": {"sumSquares": 5},
           "denominator": {"sum": 5, "sumSquares": 5}, "crossSum": 1})",
       "variants[1].numerator.sum"},
      {"cuped pre", "mean", true,
       R"({"name": "b", "n": 10, "post": {"sum": 5, "sumSquares": 5}, "pre": {"sum": 5},
           "crossSum": 1})",
       "variants[1].pre.sumSquares"},
      {"variant not an object", "mean", false, R"(7)", "variants[1]"},
  };
  for (const VariantCase& c : cases) {
    SCOPED_TRACE(c.name);
    Json body{{"metricType", c.metric}, {"cuped", c.cuped}};
    Json control{{"name", "control"}, {"n", 10}};
    if (c.cuped) {
      control["post"] = {{"sum", 5}, {"sumSquares", 5}};
      control["pre"] = {{"sum", 5}, {"sumSquares", 5}};
      control["crossSum"] = 3;
    } else if (c.metric == "ratio") {
      control["numerator"] = {{"sum", 5}, {"sumSquares", 5}};
      control["denominator"] = {{"sum", 5}, {"sumSquares", 5}};
      control["crossSum"] = 3;
    } else {
      control["sum"] = 5;
      control["sumSquares"] = 5;
    }
    body["variants"] = Json::array({control});
    if (!c.variant.empty()) body["variants"].push_back(Json::parse(c.variant));
    const auto parsed = ParseAnalysisRequest(body);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().field(), c.field) << parsed.status().ToString();
  }
}

TEST(StatsJsonTest, DefaultsAndResponseShape) {
  Json body = Valid();
  body["variants"][0]["weight"] = 1;
  body["variants"][1]["weight"] = 1;
  body["variants"].push_back(
      Json::parse(R"({"name": "tiny", "n": 1, "sum": 1, "sumSquares": 1, "weight": 1})"));
  const auto parsed = ParseAnalysisRequest(body);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->options.engine, Engine::kFrequentist);
  EXPECT_EQ(parsed->options.difference, Difference::kRelative);
  EXPECT_EQ(parsed->options.alpha, 0.05);
  EXPECT_EQ(parsed->options.alternative, Alternative::kTwoSided);
  EXPECT_FALSE(parsed->options.sequential_tuning_parameter.has_value());
  EXPECT_FALSE(parsed->options.prior.has_value());
  const Json out = RunAnalysis(*parsed);
  ASSERT_EQ(out["variants"].size(), 2u);
  const Json& b = out["variants"][0];
  EXPECT_EQ(b["name"], "b");
  EXPECT_TRUE(b["expected"].is_number());
  EXPECT_TRUE(b["ci"][0].is_number());
  EXPECT_TRUE(b["ci"][1].is_number());
  EXPECT_TRUE(b["pValue"].is_number());
  EXPECT_FALSE(b.contains("chanceToWin"));
  const Json& tiny = out["variants"][1];
  EXPECT_EQ(tiny["error"]["code"], "tooFewUnits");
  EXPECT_TRUE(tiny["expected"].is_null());
  EXPECT_TRUE(out["srm"]["pValue"].is_number());
  EXPECT_EQ(ParseAnalysisRequest(Valid()).ok(), true);
  EXPECT_FALSE(RunAnalysis(*ParseAnalysisRequest(Valid())).contains("srm"));

  // A sequential block without a tuning parameter takes the default, N* = 5000.
  body = Valid();
  body["sequential"] = Json::object();
  EXPECT_EQ(*ParseAnalysisRequest(body)->options.sequential_tuning_parameter, 5000);
  // Greater: the interval is open above.
  body = Valid();
  body["alternative"] = "greater";
  const Json greater = RunAnalysis(*ParseAnalysisRequest(body));
  EXPECT_TRUE(greater["variants"][0]["ci"][1].is_null());
  // Bayesian: chance to win and risk, no p-value.
  body = Valid();
  body["engine"] = "bayesian";
  body["prior"] = {{"mean", 0}, {"variance", 0.09}};
  const Json bayes = RunAnalysis(*ParseAnalysisRequest(body));
  EXPECT_TRUE(bayes["variants"][0]["chanceToWin"].is_number());
  EXPECT_EQ(bayes["variants"][0]["risk"].size(), 2u);
  EXPECT_FALSE(bayes["variants"][0].contains("pValue"));
}

}  // namespace
}  // namespace gov::experiments::stats
