// `governor capacity` through the real executable: the JSON shape on a hand-computed week, and
// bad input (an empty history, a non-numeric value naming its line, an unknown target, a
// negative price) answered with exit 2 and one "field: message" line, never a crash.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "core/json_util.h"
#include "tests/testing/governor_process.h"

namespace gov::testing {
namespace {

// Two targets; `web` forecasts rps (a Value metric, 500 per replica) at 0.05 per replica-hour.
constexpr const char* kConfig = R"(targets:
  - name: web
    minReplicas: 1
    maxReplicas: 10
    mode: dryRun
    metrics:
      - {name: rps, type: Value, target: 500, source: push}
    predictive: {mode: forecastOnly, model: seasonalNaive, pricePerReplicaHour: 0.05}
  - name: api
    minReplicas: 1
    maxReplicas: 10
    mode: dryRun
    metrics:
      - {name: rps, type: Value, target: 500, source: push}
)";

// 14 days, hourly, "YYYY-MM-DD HH:MM:SS": 1000 for hours 0-11 of each day, then 3000.
std::string StepDaysCsv() {
  std::string out = "timestamp,value\n";
  for (int day = 0; day < 14; ++day) {
    for (int h = 0; h < 24; ++h) {
      char line[64];
      std::snprintf(line, sizeof line, "2023-11-%02d %02d:00:00,%d\n", 15 + day, h,
                    h < 12 ? 1000 : 3000);
      out += line;
    }
  }
  return out;
}

struct CapacityRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

CapacityRun Capacity(const std::string& history, const std::string& args) {
  TempDir dir("gov_capacity");
  const std::string config = (dir.path() / "governor.yaml").string();
  const std::string csv = (dir.path() / "history.csv").string();
  const std::string err = (dir.path() / "stderr").string();
  std::ofstream(config) << kConfig;
  std::ofstream(csv) << history;
  const std::string command = "'" + GovernorBinaryPath() + "' capacity --config '" + config +
                              "' --history '" + csv + "' " + args + " 2>'" + err + "'";
  const gov::testing::CommandOutput output = gov::testing::RunCommand(command);
  CapacityRun run;
  run.exit_code = output.exit_code;
  run.out = output.out;
  std::ifstream in(err);
  run.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return run;
}

TEST(CapacityCommandTest, JsonShapeOnAHandComputedWeek) {
  ASSERT_FALSE(GovernorBinaryPath().empty());
  const CapacityRun run = Capacity(StepDaysCsv(), "--target web --json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto j = core::ParseJson(run.out);
  ASSERT_TRUE(j.ok()) << run.out;
  EXPECT_EQ((*j)["target"], "web");
  EXPECT_EQ((*j)["metric"], "rps");
  EXPECT_EQ((*j)["model"], "seasonalNaive(daily)");
  EXPECT_EQ((*j)["fallback"], "none");
  EXPECT_EQ((*j)["stepSeconds"], 3600);
  EXPECT_EQ((*j)["from"], "2023-11-29T00:00:00.000Z");
  EXPECT_EQ((*j)["peak"]["load"], 3000.0);
  EXPECT_EQ((*j)["peak"]["replicas"], 6);
  // 7 × (12 h × 2 + 12 h × 6) = 672 replica-hours; × 0.05 = 33.6.
  EXPECT_DOUBLE_EQ((*j)["replicaHours"].get<double>(), 672);
  EXPECT_DOUBLE_EQ((*j)["cost"].get<double>(), 33.6);
  EXPECT_DOUBLE_EQ((*j)["requestsPerReplicaHour"].get<double>(), 1'800'000);
  for (const char* key :
       {"quantile", "horizonSeconds", "reason", "accuracy", "to", "exceedsMaxReplicas",
        "pricePerReplicaHour", "requests", "costPer1000Requests"}) {
    EXPECT_TRUE(j->contains(key)) << key;
  }
}

TEST(CapacityCommandTest, ThePriceFlagOverridesTheTargetAndTextIsForPeople) {
  const CapacityRun json =
      Capacity(StepDaysCsv(), "--target web --price-per-replica-hour 0.1 --json");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_DOUBLE_EQ(core::ParseJson(json.out)->at("cost").get<double>(), 67.2);
  const CapacityRun text = Capacity(StepDaysCsv(), "--target web");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("replicas at peak    6"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("replica-hours       672.0"), std::string::npos) << text.out;
}

TEST(CapacityCommandTest, BadInputExitsTwoWithTheFieldAndLine) {
  struct Case {
    std::string name;
    std::string history;
    std::string args;
    std::string error_part;
  };
  const std::vector<Case> cases = {
      {"empty history", "", "--target web", "history: "},
      {"header only", "timestamp,value\n", "--target web", "history: "},
      {"non-numeric value", "timestamp,value\n1700000000,5\n1700000300,abc\n", "--target web",
       "history: line 3: value \"abc\" is not a number"},
      {"unknown target", StepDaysCsv(), "--target nope", "targets: no target named \"nope\""},
      {"several targets", StepDaysCsv(), "", "pick one with --target"},
      {"negative price", StepDaysCsv(), "--target web --price-per-replica-hour -2",
       "pricePerReplicaHour: must be a finite number >= 0"},
  };
  for (const Case& c : cases) {
    const CapacityRun run = Capacity(c.history, c.args);
    EXPECT_EQ(run.exit_code, 2) << c.name << "\n" << run.out << run.err;
    EXPECT_NE(run.err.find(c.error_part), std::string::npos) << c.name << ": " << run.err;
    EXPECT_TRUE(run.out.empty()) << c.name << ": " << run.out;
  }
}

TEST(CapacityCommandTest, ATargetWithoutAPredictiveBlockForecastsItsOnlyMetric) {
  const CapacityRun run = Capacity(StepDaysCsv(), "--target api --json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto j = core::ParseJson(run.out);
  ASSERT_TRUE(j.ok()) << run.out;
  EXPECT_EQ((*j)["metric"], "rps");
  EXPECT_TRUE((*j)["cost"].is_null());  // no price anywhere
}

}  // namespace
}  // namespace gov::testing
