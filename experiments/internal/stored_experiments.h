#pragma once

// Experiments and the metric definitions they use, read from the store (the experiments and
// metrics tables, as the experiment service writes them), for aggregation and results.

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "experiments/model.h"
#include "store/database.h"
#include "store/experiment_repository.h"
#include "store/metric_repository.h"

namespace gov::experiments::internal {

struct StoredExperiment {
  Experiment experiment;
  std::vector<MetricDefinition> metrics;  // the definitions of the metrics it uses
};

// The experiment or metric definition a stored record holds (the columns the store maintains,
// version and times, win over the copies in the JSON); kInternal when the JSON is unreadable.
core::StatusOr<Experiment> FromRecord(const store::ExperimentRecord& record);
core::StatusOr<MetricDefinition> FromRecord(const store::MetricRecord& record);

// The experiment a stored record holds, with its metric definitions; kInternal when the stored
// JSON is unreadable, kFailedPrecondition when a metric it uses is gone.
core::StatusOr<StoredExperiment> LoadStoredExperiment(store::Transaction& tx,
                                                      const store::ExperimentRecord& record);

// The experiment `key` with its metric definitions; nullopt when no experiment has that key.
core::StatusOr<std::optional<StoredExperiment>> FindStoredExperiment(store::Transaction& tx,
                                                                     const std::string& key);

}  // namespace gov::experiments::internal
