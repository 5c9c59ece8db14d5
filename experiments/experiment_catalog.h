#pragma once

#include <vector>

#include "core/status.h"
#include "experiments/model.h"
#include "experiments/unit_aggregation.h"
#include "store/database.h"

namespace gov::experiments {

// Which experiments aggregate events: running and stopped ones (events at or after the stop
// never count; a late event from before the stop still does). Drafts have no exposures yet
// and concluded experiments are frozen.
bool Aggregates(ExperimentStatus status);

// The aggregation plan of `experiment`, whose metric definitions are `definitions` (any order;
// the plan follows the experiment's metric order). kFailedPrecondition names a metric the
// definitions lack.
core::StatusOr<AggregationPlan> PlanFor(const Experiment& experiment,
                                        const std::vector<MetricDefinition>& definitions);

// The experiments the aggregator applies events to, with their metric definitions, read in
// the aggregator's transaction. Implementations may cache between calls.
class ExperimentCatalog {
 public:
  virtual ~ExperimentCatalog() = default;
  // The plans of every experiment for which Aggregates(status) holds.
  virtual core::StatusOr<std::vector<AggregationPlan>> Plans(store::Transaction& tx) = 0;
};

}  // namespace gov::experiments
