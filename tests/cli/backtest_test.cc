// `governor backtest` in-process: the JSON shape, the table, the plot, and the errors for bad
// input (they name the line or the field).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <numbers>
#include <sstream>
#include <string>

#include "cli/backtest_command.h"

namespace gov::cli {
namespace {

// Five days of a daily cycle at 5-minute steps (Unix-second timestamps).
std::string DailyTrace(int days = 5) {
  std::string csv = "timestamp,value\n";
  const long start = 1'700'006'400;  // 00:00 UTC
  for (int i = 0; i < days * 288; ++i) {
    // A daily cycle plus deterministic noise (seasonal naive repeats the noise; models don't).
    const double noise = static_cast<double>((i * 7919L) % 101 - 50) * 0.8;
    const double v = 300 + 200 * std::sin(2 * std::numbers::pi * i / 288.0) + noise;
    csv += std::to_string(start + 300L * i) + "," + std::to_string(v) + "\n";
  }
  return csv;
}

constexpr const char* kConfig = R"(
server: {listen: "127.0.0.1:0"}
targets:
  - name: api
    mode: dryRun
    maxReplicas: 40
    metrics:
      - {name: rps, type: AverageValue, target: 35, source: push}
    hook: {webhook: {url: "http://127.0.0.1:1/scale"}}
    predictive: {mode: forecastAndScale}
    simulation: {capacityPerReplica: 50, startupSeconds: 300, syncSeconds: 300}
)";

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(GOVERNOR_TEST_SOURCE_DIR) + "/tests/predictors/testdata/" + name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Six weeks of NYC taxi demand per 30 minutes (NAB), capacity 1900 per replica.
constexpr const char* kTaxiConfig = R"(
targets:
  - name: taxi
    maxReplicas: 40
    metrics:
      - {name: passengers, type: AverageValue, target: 1330, source: push}
    predictive: {mode: forecastAndScale}
    simulation: {capacityPerReplica: 1900, startupSeconds: 300, syncSeconds: 1800}
)";

TEST(BacktestTest, JsonHasTheDocumentedShape) {
  BacktestOptions options;
  core::StatusOr<BacktestReport> report =
      RunBacktest(ReadFixture("nyc_taxi_6w.csv"), kTaxiConfig, options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  const core::Json json = BacktestReportToJson(*report);
  ASSERT_TRUE(json.contains("trace"));
  EXPECT_EQ(json["trace"]["points"], 42 * 48);
  EXPECT_EQ(json["trace"]["stepSeconds"], 1800);
  EXPECT_EQ(json["trace"]["start"], "2014-10-06T00:00:00.000Z");
  EXPECT_TRUE(json["trace"]["end"].is_string());
  ASSERT_EQ(json["policies"].size(), 3u);
  const char* names[] = {"reactive", "predictive", "oracle"};
  for (std::size_t i = 0; i < 3; ++i) {
    const core::Json& p = json["policies"][i];
    EXPECT_EQ(p["policy"], names[i]);
    for (const char* key : {"targetUtilization", "underProvisionedPercent", "replicaHours",
                            "scalingActions", "thetaU", "thetaO", "tauU", "tauO"}) {
      EXPECT_TRUE(p.contains(key) && p[key].is_number()) << names[i] << " " << key;
    }
  }
  EXPECT_DOUBLE_EQ(json["policies"][0]["targetUtilization"].get<double>(), 0.7);
  EXPECT_DOUBLE_EQ(json["policies"][2]["targetUtilization"].get<double>(), 1.0);
  // The oracle is short only at the first step (nothing can be ready before the trace starts).
  EXPECT_LE(json["policies"][2]["underProvisionedPercent"].get<double>(), 100.0 / (42 * 48) + 1e-3);
  const core::Json& f = json["forecast"];
  for (const char* key : {"model", "mase", "smape", "seasonalNaiveMase"}) {
    EXPECT_TRUE(f.contains(key)) << key;
  }
  ASSERT_TRUE(f["model"].is_string()) << f.dump();
  EXPECT_LT(f["mase"].get<double>(), f["seasonalNaiveMase"].get<double>());
}

TEST(BacktestTest, SweepRunsEachPolicyAtNineTargets) {
  BacktestOptions options;
  options.sweep = true;
  options.policies = "reactive,oracle";
  core::StatusOr<BacktestReport> report = RunBacktest(DailyTrace(3), kConfig, options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->runs.size(), 18u);
  EXPECT_DOUBLE_EQ(report->runs[0].target_utilization, 0.5);
  EXPECT_DOUBLE_EQ(report->runs[8].target_utilization, 0.9);
  // A lower target costs more.
  EXPECT_GT(report->runs[0].replica_hours, report->runs[8].replica_hours);
  const std::string svg = BacktestReportSvg(*report);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("Frontier"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  const std::string table = BacktestReportTable(*report);
  EXPECT_NE(table.find("reactive"), std::string::npos);
  EXPECT_NE(table.find("under %"), std::string::npos);
}

TEST(BacktestTest, AnEmptyTraceIsAnError) {
  core::StatusOr<BacktestReport> r = RunBacktest("", kConfig, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "trace");
  EXPECT_NE(r.status().message().find("empty"), std::string::npos);
  r = RunBacktest("timestamp,value\n", kConfig, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "trace");
}

TEST(BacktestTest, ANonNumericValueNamesItsLine) {
  const core::StatusOr<BacktestReport> r =
      RunBacktest("timestamp,value\n2014-04-10 00:00:00,1\n2014-04-10 00:05:00,abc\n", kConfig, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "line 3: value \"abc\" is not a number");
}

TEST(BacktestTest, AConfigWithoutCapacityPerReplicaNamesTheField) {
  const std::string config = R"(
targets:
  - name: api
    maxReplicas: 40
    metrics:
      - {name: rps, type: AverageValue, target: 35, source: push}
)";
  const core::StatusOr<BacktestReport> r = RunBacktest(DailyTrace(1), config, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "targets[0].simulation.capacityPerReplica");
  // A simulation block without it is refused by the target's own parser, naming it too.
  const core::StatusOr<BacktestReport> r2 = RunBacktest(
      DailyTrace(1), config + std::string("    simulation: {startupSeconds: 60}\n"), {});
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.status().field(), "targets[0].simulation.capacityPerReplica");
}

TEST(BacktestTest, TargetSelectionAndPolicies) {
  const std::string two = std::string(kConfig) + R"(
  - name: web
    maxReplicas: 5
    metrics:
      - {name: cpu, type: Utilization, target: 70, source: push}
    simulation: {capacityPerReplica: 100}
)";
  core::StatusOr<BacktestReport> r = RunBacktest(DailyTrace(1), two, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "targets");
  EXPECT_NE(r.status().message().find("--target"), std::string::npos);
  BacktestOptions options;
  options.target = "web";
  options.policies = "reactive";
  r = RunBacktest(DailyTrace(1), two, options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->setup.spec.name, "web");
  EXPECT_DOUBLE_EQ(r->runs[0].target_utilization, 0.7);
  options.target = "nope";
  EXPECT_FALSE(RunBacktest(DailyTrace(1), two, options).ok());
  options.target = "web";
  options.policies = "reactive,psychic";
  r = RunBacktest(DailyTrace(1), two, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "policies");
}

TEST(BacktestTest, TheCommandReportsFileErrorsOnStderr) {
  BacktestOptions options;
  options.trace_file = "/nonexistent/trace.csv";
  options.config_file = "/nonexistent/config.yaml";
  const CommandOutput out = RunBacktestCommand(options);
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_TRUE(out.out.empty());
  EXPECT_NE(out.err.find("--trace"), std::string::npos);
}

}  // namespace
}  // namespace gov::cli
