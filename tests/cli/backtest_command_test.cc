// `governor backtest` through the real executable, on a small committed trace and config
// (testdata/: a week of a daily cycle with deterministic noise, 30-minute steps): the --json
// shape bench/backtest/README.md and cli/backtest_command.h document, a --sweep of nine target
// utilizations per policy, a --plot SVG, and bad input answered with exit 2 and a
// "backtest: field: message" line naming the line or field, never a crash.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/json_util.h"
#include "tests/testing/governor_process.h"

namespace gov::testing {
namespace {

std::string TestData(const std::string& name) {
  return std::string(GOVERNOR_TEST_SOURCE_DIR) + "/tests/cli/testdata/" + name;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct BacktestRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `governor backtest --trace <trace> --config <config> <args>` (paths as given).
BacktestRun Backtest(const std::string& trace, const std::string& config, const std::string& args) {
  TempDir dir("gov_backtest");
  const std::string err = (dir.path() / "stderr").string();
  const std::string command = "'" + GovernorBinaryPath() + "' backtest --trace '" + trace +
                              "' --config '" + config + "' " + args + " 2>'" + err + "'";
  const CommandOutput output = RunCommand(command);
  return {output.exit_code, output.out, ReadText(err)};
}

// The same with the trace and config given as text (written to a temp dir).
BacktestRun BacktestText(const std::string& trace_csv, const std::string& config_yaml) {
  TempDir dir("gov_backtest_input");
  const std::string trace = (dir.path() / "trace.csv").string();
  const std::string config = (dir.path() / "governor.yaml").string();
  std::ofstream(trace) << trace_csv;
  std::ofstream(config) << config_yaml;
  return Backtest(trace, config, "--json");
}

void ExpectPolicyShape(const core::Json& p) {
  ASSERT_TRUE(p.contains("policy") && p["policy"].is_string()) << p.dump();
  for (const char* key : {"targetUtilization", "underProvisionedPercent", "replicaHours",
                          "scalingActions", "thetaU", "thetaO", "tauU", "tauO"}) {
    EXPECT_TRUE(p.contains(key) && p[key].is_number()) << p["policy"] << " " << key;
  }
}

TEST(BacktestCommandTest, JsonHasTheDocumentedShape) {
  ASSERT_FALSE(GovernorBinaryPath().empty());
  const BacktestRun run =
      Backtest(TestData("backtest_trace.csv"), TestData("backtest.yaml"), "--json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto j = core::ParseJson(run.out);
  ASSERT_TRUE(j.ok()) << run.out;
  const core::Json& trace = (*j)["trace"];
  EXPECT_EQ(trace["points"], 7 * 48);
  EXPECT_EQ(trace["stepSeconds"], 1800);
  EXPECT_EQ(trace["start"], "2023-11-15T00:00:00.000Z");
  EXPECT_EQ(trace["end"], "2023-11-21T23:30:00.000Z");
  ASSERT_TRUE((*j)["policies"].is_array());
  ASSERT_EQ((*j)["policies"].size(), 3u);
  const std::vector<std::string> names = {"reactive", "predictive", "oracle"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    const core::Json& p = (*j)["policies"][i];
    ExpectPolicyShape(p);
    EXPECT_EQ(p["policy"], names[i]);
  }
  EXPECT_DOUBLE_EQ((*j)["policies"][0]["targetUtilization"].get<double>(), 0.7);
  const core::Json& forecast = (*j)["forecast"];
  ASSERT_TRUE(forecast.is_object()) << run.out;
  EXPECT_TRUE(forecast["model"].is_string()) << forecast.dump();
  for (const char* key : {"mase", "smape", "seasonalNaiveMase"}) {
    EXPECT_TRUE(forecast.contains(key) && forecast[key].is_number()) << key;
  }
  // Without --json the same run is a table for people.
  const BacktestRun table = Backtest(TestData("backtest_trace.csv"), TestData("backtest.yaml"), "");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("reactive"), std::string::npos) << table.out;
  EXPECT_FALSE(core::ParseJson(table.out).ok());
}

TEST(BacktestCommandTest, ASweepRunsNineTargetUtilizationsPerPolicy) {
  const BacktestRun run = Backtest(TestData("backtest_trace.csv"), TestData("backtest.yaml"),
                                   "--sweep --policies reactive,predictive --json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto j = core::ParseJson(run.out);
  ASSERT_TRUE(j.ok()) << run.out;
  const core::Json& policies = (*j)["policies"];
  ASSERT_EQ(policies.size(), 18u);
  for (const std::string name : {"reactive", "predictive"}) {
    std::vector<double> targets;
    for (const core::Json& p : policies) {
      ExpectPolicyShape(p);
      if (p["policy"] == name) targets.push_back(p["targetUtilization"].get<double>());
    }
    ASSERT_EQ(targets.size(), 9u) << name;
    for (std::size_t k = 0; k < 9; ++k) {
      EXPECT_NEAR(targets[k], 0.5 + 0.05 * static_cast<double>(k), 1e-9) << name << " " << k;
    }
  }
}

TEST(BacktestCommandTest, PlotWritesAnSvg) {
  TempDir dir("gov_backtest_plot");
  const std::string svg = (dir.path() / "plot.svg").string();
  const BacktestRun run = Backtest(TestData("backtest_trace.csv"), TestData("backtest.yaml"),
                                   "--sweep --policies reactive --plot '" + svg + "'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_TRUE(std::filesystem::exists(svg));
  const std::string text = ReadText(svg);
  EXPECT_EQ(text.rfind("<svg", 0), 0u) << text.substr(0, 200);
  EXPECT_NE(text.find("</svg>"), std::string::npos);
}

TEST(BacktestCommandTest, BadInputExitsTwoNamingTheLineOrField) {
  const std::string config = ReadText(TestData("backtest.yaml"));
  const std::string trace = ReadText(TestData("backtest_trace.csv"));
  const std::string no_capacity = R"(targets:
  - name: api
    maxReplicas: 40
    metrics:
      - {name: rps, type: AverageValue, target: 35, source: push}
)";
  struct Case {
    std::string name;
    std::string trace;
    std::string config;
    std::string error_part;
  };
  const std::vector<Case> cases = {
      {"empty trace", "", config, "backtest: trace: "},
      {"header only", "timestamp,value\n", config, "backtest: trace: "},
      {"non-numeric value", "timestamp,value\n1700006400,5\n1700008200,abc\n", config,
       "backtest: trace: line 3: value \"abc\" is not a number"},
      {"no capacityPerReplica", trace, no_capacity,
       "backtest: targets[0].simulation.capacityPerReplica: "},
  };
  for (const Case& c : cases) {
    const BacktestRun run = BacktestText(c.trace, c.config);
    EXPECT_EQ(run.exit_code, 2) << c.name << "\n" << run.out << run.err;
    EXPECT_NE(run.err.find(c.error_part), std::string::npos) << c.name << ": " << run.err;
    EXPECT_TRUE(run.out.empty()) << c.name << ": " << run.out;
  }
}

}  // namespace
}  // namespace gov::testing
