// The `governor decide` executable: one JSON document on stdin, one on stdout; exit 0, or 2
// with {"error": {...field...}} on invalid input (the contract DecideJsonTest pins through
// RunDecideJson, here through the binary and its streams).

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include "core/json_util.h"
#include "tests/controller/decide_example.h"
#include "tests/testing/governor_process.h"

namespace gov::controller {
namespace {

struct DecideRun {
  int exit_code = -1;
  core::Json out;
};

DecideRun Decide(const std::string& input) {
  gov::testing::TempDir dir("gov_decide");
  const std::string file = (dir.path() / "input.json").string();
  std::ofstream(file) << input;
  const std::string command =
      "'" + gov::testing::GovernorBinaryPath() + "' decide < '" + file + "' 2>/dev/null";
  DecideRun run;
  const gov::testing::CommandOutput output = gov::testing::RunCommand(command);
  const std::string& text = output.out;
  run.exit_code = output.exit_code;
  auto json = core::ParseJson(text);
  EXPECT_TRUE(json.ok()) << text;
  if (json.ok()) run.out = *json;
  return run;
}

TEST(DecideE2eTest, TheIssueExampleScalesTo12) {
  ASSERT_FALSE(gov::testing::GovernorBinaryPath().empty());
  // Worked out in DecideJsonTest.IssueExample: cpu 80/70 at 10 replicas -> ceil(11.43) = 12.
  const DecideRun run = Decide(gov::controller::test_data::kIssueDecideInput);
  EXPECT_EQ(run.exit_code, 0) << run.out.dump();
  EXPECT_EQ(run.out["replicas"], 12);
  EXPECT_EQ(run.out["reason"], "DesiredWithinRange");
  EXPECT_EQ(run.out["proposals"][0]["metric"], "cpu");
  EXPECT_EQ(run.out["proposals"][0]["replicas"], 12);
  EXPECT_TRUE(run.out["limits"].is_array());
}

TEST(DecideE2eTest, InvalidInputExits2NamingTheField) {
  ASSERT_FALSE(gov::testing::GovernorBinaryPath().empty());
  const DecideRun run = Decide(R"({"now": 1700000000, "target": {"maxReplicas": 0},
                                   "currentReplicas": 1, "desiredReplicas": 2})");
  EXPECT_EQ(run.exit_code, 2) << run.out.dump();
  EXPECT_EQ(run.out["error"]["field"], "target.maxReplicas") << run.out.dump();
  const DecideRun not_json = Decide("{");
  EXPECT_EQ(not_json.exit_code, 2);
  EXPECT_TRUE(not_json.out.contains("error")) << not_json.out.dump();
}

}  // namespace
}  // namespace gov::controller
