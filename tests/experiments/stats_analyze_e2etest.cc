// `governor analyze` as a process: JSON on stdin, JSON on stdout; exit 2 with the error
// document for invalid input.

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "core/json_util.h"
#include "tests/testing/governor_process.h"
#include "tests/testing/temp_dir.h"

namespace gov::experiments::stats {
namespace {

using gov::testing::GovernorBinaryPath;

gov::testing::CommandOutput Analyze(const std::string& input) {
  gov::testing::TempDir dir("gov_analyze");
  const std::string file = (dir.path() / "input.json").string();
  std::ofstream(file) << input;
  return gov::testing::RunCommand("'" + GovernorBinaryPath() + "' analyze < '" + file + "'");
}

TEST(AnalyzeCommandTest, GbstatsExampleOnStdin) {
  ASSERT_FALSE(GovernorBinaryPath().empty());
  // gbstats' test_two_sided_ttest (packages/stats/tests/frequentist/test_tests.py).
  const auto out = Analyze(R"({"metricType": "mean", "variants": [
      {"name": "control", "n": 3407, "sum": 1396.87, "sumSquares": 52377.9767, "weight": 1},
      {"name": "treatment", "n": 3461, "sum": 2422.7, "sumSquares": 134698.29, "weight": 1}]})");
  ASSERT_EQ(out.exit_code, 0) << out.out;
  auto json = core::ParseJson(out.out);
  ASSERT_TRUE(json.ok()) << out.out;
  const core::Json& v = (*json)["variants"][0];
  EXPECT_EQ(v["name"], "treatment");
  EXPECT_NEAR(v["expected"].get<double>(), 0.70732, 6e-6);
  EXPECT_NEAR(v["ci"][0].get<double>(), -0.03526, 6e-6);
  EXPECT_NEAR(v["ci"][1].get<double>(), 1.44989, 6e-6);
  EXPECT_NEAR(v["pValue"].get<double>(), 0.06191, 6e-6);
  EXPECT_TRUE((*json)["srm"]["pValue"].is_number());
}

TEST(AnalyzeCommandTest, InvalidInputExitsTwoWithTheField) {
  ASSERT_FALSE(GovernorBinaryPath().empty());
  const auto out = Analyze(R"({"metricType": "mean", "variants": [
      {"name": "control", "n": 10, "sum": 5, "sumSquares": 5},
      {"name": "b", "n": 10, "sum": 5}]})");
  EXPECT_EQ(out.exit_code, 2);
  auto json = core::ParseJson(out.out);
  ASSERT_TRUE(json.ok()) << out.out;
  EXPECT_EQ((*json)["error"]["code"], "invalid_argument");
  EXPECT_EQ((*json)["error"]["field"], "variants[1].sumSquares");
  EXPECT_FALSE((*json)["error"]["message"].get<std::string>().empty());

  const auto malformed = Analyze("{not json");
  EXPECT_EQ(malformed.exit_code, 2);
  auto error = core::ParseJson(malformed.out);
  ASSERT_TRUE(error.ok()) << malformed.out;
  EXPECT_EQ((*error)["error"]["field"], "body");
}

}  // namespace
}  // namespace gov::experiments::stats
