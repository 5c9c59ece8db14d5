#pragma once

// `governor capacity`: the capacity a target needs over the next 7 days, forecast from a load
// history file (controller/capacity_report.h).

#include <optional>
#include <string>
#include <string_view>

#include "cli/backtest_command.h"
#include "controller/capacity_report.h"
#include "controller/target_spec.h"
#include "core/status.h"

namespace gov::cli {

struct CapacityCommandOptions {
  std::string config_file;
  std::string history_file;
  std::string target;                            // empty: the config's only target
  std::optional<double> price_per_replica_hour;  // else the target's predictive block's
  bool json = false;
};

// The target `name` (or the only one when empty) of a `serve`-format config's YAML text, parsed
// as `serve` parses it. A target without a `predictive` block gets a forecastOnly one on its
// only metric. Errors are InvalidArgument naming the field: "targets" (none, several and no
// name, an unknown name) or the target's own ("targets[0].maxReplicas"), or
// "targets[i].predictive.metric" when a target without a predictive block has several metrics.
core::StatusOr<controller::TargetSpec> SelectCapacityTarget(std::string_view config_yaml,
                                                            const std::string& name);

// The report from a history CSV's text (the backtest trace format: header `timestamp,value`,
// Unix seconds, RFC 3339 or `YYYY-MM-DD HH:MM:SS`; the value is the target's total load in its
// metric's units) and a config's YAML text. Errors name the field: "history" (with the line in
// the message: an empty file, a non-numeric value), "targets...", "pricePerReplicaHour".
core::StatusOr<controller::CapacityReport> RunCapacity(std::string_view history_csv,
                                                       std::string_view config_yaml,
                                                       const CapacityCommandOptions& options);

// The command: reads the files, runs, prints the report as text or JSON
// (controller::CapacityReportToJson); exit 0, or 2 with "field: message" on stderr.
CommandOutput RunCapacityCommand(const CapacityCommandOptions& options);

}  // namespace gov::cli
