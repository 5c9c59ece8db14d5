// The statistics engine against scipy: testdata/stats_reference.json, produced by
// testdata/stats_reference.py (Debian python3-scipy) from raw per-unit data; every case runs
// through the JSON front (ParseAnalysisRequest + RunAnalysis) and the C++ API alike.

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/json_util.h"
#include "core/name_table.h"
#include "experiments/stats/analysis_json.h"
#include "experiments/stats/corrections.h"
#include "experiments/stats/power.h"
#include "experiments/stats/srm.h"

namespace gov::experiments::stats {
namespace {

using core::Json;

const Json& Reference() {
  static const Json reference = [] {
    std::ifstream in(std::string(GOVERNOR_TEST_SOURCE_DIR) +
                     "/tests/experiments/testdata/stats_reference.json");
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = core::ParseJson(text.str());
    if (!parsed.ok()) return Json();
    return *parsed;
  }();
  return reference;
}

// Relative tolerance 1e-9 (absolute 1e-12 near 0): scipy and Boost.Math agree to ~1e-12.
void ExpectClose(const Json& actual, const Json& expected, const std::string& what) {
  if (expected.is_null()) {
    EXPECT_TRUE(actual.is_null()) << what << ": " << actual;
    return;
  }
  ASSERT_TRUE(actual.is_number()) << what << ": " << actual;
  const double a = actual.get<double>();
  const double e = expected.get<double>();
  EXPECT_NEAR(a, e, std::max(1e-12, 1e-9 * std::abs(e))) << what;
}

TEST(StatsReferenceTest, FixtureIsPresent) {
  ASSERT_TRUE(Reference().is_object());
  EXPECT_GE(Reference()["cases"].size(), 30u);
}

TEST(StatsReferenceTest, EveryCaseMatchesScipy) {
  for (const Json& c : Reference()["cases"]) {
    const std::string name = c["name"].get<std::string>();
    SCOPED_TRACE(name);
    auto request = ParseAnalysisRequest(c["request"]);
    ASSERT_TRUE(request.ok()) << request.status().ToString();
    const Json out = RunAnalysis(*request);
    const Json& expected = c["expected"];
    ASSERT_EQ(out["variants"].size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      const Json& e = expected[i];
      const Json& a = out["variants"][i];
      EXPECT_EQ(a["name"], e["name"]);
      EXPECT_FALSE(a.contains("error")) << a;
      ExpectClose(a["expected"], e["expected"], "expected");
      ExpectClose(a["stdError"], e["stdError"], "stdError");
      ExpectClose(a["ci"][0], e["ci"][0], "ci[0]");
      ExpectClose(a["ci"][1], e["ci"][1], "ci[1]");
      for (const char* key : {"pValue", "chanceToWin"}) {
        EXPECT_EQ(a.contains(key), e.contains(key)) << key;
        if (e.contains(key) && a.contains(key)) ExpectClose(a[key], e[key], key);
      }
      EXPECT_EQ(a.contains("risk"), e.contains("risk"));
      if (e.contains("risk") && a.contains("risk")) {
        // The reference integrates numerically (scipy.integrate.quad).
        EXPECT_NEAR(a["risk"][0].get<double>(), e["risk"][0].get<double>(), 1e-10);
        EXPECT_NEAR(a["risk"][1].get<double>(), e["risk"][1].get<double>(), 1e-10);
      }
    }
  }
}

TEST(StatsReferenceTest, SrmMatchesScipyChisquare) {
  for (const Json& c : Reference()["srm"]) {
    const auto units = c["units"].get<std::vector<int64_t>>();
    const auto weights = c["weights"].get<std::vector<double>>();
    const auto srm = SampleRatioMismatch(units, weights);
    ASSERT_TRUE(srm.has_value());
    ExpectClose(srm->chi_square, c["chiSquare"], "chiSquare");
    ExpectClose(srm->p_value, c["pValue"], "pValue");
    EXPECT_EQ(srm->mismatch, c["pValue"].get<double>() < 0.001);
  }
}

TEST(StatsReferenceTest, CorrectionsMatchTheirDefinitions) {
  for (const Json& c : Reference()["corrections"]) {
    const auto p = c["p"].get<std::vector<double>>();
    const std::vector<double> holm = HolmAdjusted(p);
    const std::vector<double> bh = BenjaminiHochbergAdjusted(p);
    ASSERT_EQ(holm.size(), p.size());
    ASSERT_EQ(bh.size(), p.size());
    for (size_t i = 0; i < p.size(); ++i) {
      ExpectClose(holm[i], c["holm"][i], "holm");
      ExpectClose(bh[i], c["bh"][i], "bh");
    }
  }
}

TEST(StatsReferenceTest, PowerMatchesScipyNorm) {
  for (const Json& c : Reference()["power"]) {
    PowerOptions options;
    options.alpha = c["alpha"].get<double>();
    options.alternative =
        *core::FindName<Alternative>(kAlternativeNames, c["alternative"].get<std::string>());
    options.power = c["targetPower"].get<double>();
    const double effect = c["effect"].get<double>();
    const double se = c["stdError"].get<double>();
    ExpectClose(Power(effect, se, options), c["power"], "power");
    ExpectClose(MinimumDetectableEffect(se, options), c["mde"], "mde");
    const TimeToDetect t =
        TimeToDetectEffect(effect, se, c["currentUnits"].get<int64_t>(), 1000, options);
    ExpectClose(t.units_needed, c["unitsNeeded"], "unitsNeeded");
  }
}

}  // namespace
}  // namespace gov::experiments::stats
