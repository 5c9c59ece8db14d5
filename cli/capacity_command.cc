#include "cli/capacity_command.h"

#include <vector>

#include "cli/config_target.h"
#include "controller/trace.h"
#include "core/yaml_json.h"

namespace gov::cli {

core::StatusOr<controller::TargetSpec> SelectCapacityTarget(std::string_view config_yaml,
                                                            const std::string& name) {
  ASSIGN_OR_RETURN(const ConfigTarget target, FindConfigTarget(config_yaml, name));
  const std::string& path = target.path;
  ASSIGN_OR_RETURN(controller::TargetSpec spec, controller::ParseTargetSpec(target.json, path));
  if (!spec.predictive) {
    if (spec.metrics.size() != 1) {
      return core::InvalidArgument(
          "is needed when a target without a predictive block has several metrics: it names "
          "the metric the history holds",
          path + ".predictive.metric");
    }
    spec.predictive = controller::PredictiveSpec{};
    spec.predictive->metric = spec.metrics.front().name;
  }
  return spec;
}

core::StatusOr<controller::CapacityReport> RunCapacity(std::string_view history_csv,
                                                       std::string_view config_yaml,
                                                       const CapacityCommandOptions& options) {
  ASSIGN_OR_RETURN(controller::TargetSpec spec, SelectCapacityTarget(config_yaml, options.target));
  auto trace = controller::ParseTraceCsv(history_csv);
  if (!trace.ok()) return core::InvalidArgument(trace.status().message(), "history");
  controller::CapacityOptions capacity;
  capacity.price_per_replica_hour = options.price_per_replica_hour;
  return controller::BuildCapacityReport(spec, trace->series, capacity);
}

CommandOutput RunCapacityCommand(const CapacityCommandOptions& options) {
  auto fail = [](const core::Status& s) {
    return CommandOutput{2, "", (s.field().empty() ? "" : s.field() + ": ") + s.message() + "\n"};
  };
  auto config = ReadTextFile(options.config_file, "config");
  if (!config.ok()) return fail(config.status());
  auto history = ReadTextFile(options.history_file, "history");
  if (!history.ok()) return fail(history.status());
  auto report = RunCapacity(*history, *config, options);
  if (!report.ok()) return fail(report.status());
  if (options.json) return {0, controller::CapacityReportToJson(*report).dump(2) + "\n", ""};
  return {0, controller::CapacityReportText(*report), ""};
}

}  // namespace gov::cli
