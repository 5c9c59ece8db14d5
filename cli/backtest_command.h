#pragma once

// `governor backtest`: replays a load trace through the controller's Decide and predictive
// planner (controller/simulator.h) under several policies and reports what each would have
// cost and how often it was short of capacity.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/simulator.h"
#include "controller/trace.h"
#include "core/json_util.h"
#include "core/status.h"

namespace gov::cli {

struct BacktestOptions {
  std::string trace_file;
  std::string config_file;
  std::string target;                                   // empty: the config's only target
  std::string policies = "reactive,predictive,oracle";  // comma-separated
  bool sweep = false;
  bool json = false;
  std::string plot_file;  // empty: no plot
};

// The utilizations a sweep runs: 0.50, 0.55, ..., 0.90.
std::vector<double> SweepUtilizations();

struct BacktestReport {
  controller::Trace trace;
  controller::SimulationSetup setup;
  controller::TraceForecasts forecasts;
  std::vector<controller::SimulationResult> runs;
};

// Runs the backtest on a trace's CSV text and a `serve`-format config's YAML text (its
// `targets` has one entry, or `target` names one; the hook and `mode` are ignored). Errors are
// InvalidArgument naming the line or field: "trace" (line numbers in the message), "targets",
// "simulation.capacityPerReplica", "policies".
core::StatusOr<BacktestReport> RunBacktest(std::string_view trace_csv, std::string_view config_yaml,
                                           const BacktestOptions& options);

// The report as JSON: {"trace": {points, steps, stepSeconds, start, end}, "policies": [{policy,
// targetUtilization, underProvisionedPercent, replicaHours, scalingActions, thetaU, thetaO,
// tauU, tauO, predictedSyncs}], "forecast": {model, mase, smape, seasonalNaiveMase, points,
// fits, skilledSyncs}}.
core::Json BacktestReportToJson(const BacktestReport& report);
// The report as a table for people.
std::string BacktestReportTable(const BacktestReport& report);
// An SVG: the load, each policy's ready capacity, the forecast band and, for a sweep, the
// frontier of under-provisioned time against replica-hours.
std::string BacktestReportSvg(const BacktestReport& report);

struct CommandOutput {
  int exit_code = 0;
  std::string out;  // stdout
  std::string err;  // stderr
};
// The command: reads the files, runs, formats; exit 0, or 2 with the error on stderr.
CommandOutput RunBacktestCommand(const BacktestOptions& options);

}  // namespace gov::cli
