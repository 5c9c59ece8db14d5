#include "experiments/experiment_catalog.h"

namespace gov::experiments {

bool Aggregates(ExperimentStatus status) {
  return status == ExperimentStatus::kRunning || status == ExperimentStatus::kStopped;
}

core::StatusOr<AggregationPlan> PlanFor(const Experiment& experiment,
                                        const std::vector<MetricDefinition>& definitions) {
  AggregationPlan plan;
  plan.key = experiment.key;
  plan.environment = experiment.environment;
  for (const ExperimentMetric& m : experiment.metrics) {
    const MetricDefinition* found = nullptr;
    for (const MetricDefinition& d : definitions) {
      if (d.name == m.metric) found = &d;
    }
    if (found == nullptr) {
      return core::FailedPrecondition("experiment " + experiment.key + " uses metric " + m.metric +
                                      ", which is not defined");
    }
    plan.metrics.push_back(*found);
  }
  if (experiment.analysis.cuped_lookback_seconds) {
    plan.cuped_lookback_ms = *experiment.analysis.cuped_lookback_seconds * 1000;
  }
  if (experiment.stopped_at) plan.stopped_at_ms = core::ToUnixMillis(*experiment.stopped_at);
  return plan;
}

}  // namespace gov::experiments
