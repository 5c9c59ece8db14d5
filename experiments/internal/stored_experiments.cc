#include "experiments/internal/stored_experiments.h"

#include "experiments/experiment_json.h"
#include "store/metric_repository.h"

namespace gov::experiments::internal {

core::StatusOr<Experiment> FromRecord(const store::ExperimentRecord& record) {
  auto json = core::ParseJson(record.spec_json);
  core::StatusOr<Experiment> experiment =
      json.ok() ? ExperimentFromJson(*json) : core::StatusOr<Experiment>(json.status());
  if (!experiment.ok()) {
    return core::Internal("stored experiment " + record.key +
                          " is unreadable: " + experiment.status().ToString());
  }
  // The columns the store maintains win over the copies in the JSON.
  experiment->version = record.version;
  experiment->created_at = record.created_at;
  experiment->updated_at = record.updated_at;
  experiment->started_at = record.started_at;
  experiment->stopped_at = record.stopped_at;
  return experiment;
}

core::StatusOr<MetricDefinition> FromRecord(const store::MetricRecord& record) {
  auto json = core::ParseJson(record.spec_json);
  core::StatusOr<MetricDefinition> metric =
      json.ok() ? ParseMetricDefinition(*json) : core::StatusOr<MetricDefinition>(json.status());
  if (!metric.ok()) {
    return core::Internal("stored metric " + record.name +
                          " is unreadable: " + metric.status().ToString());
  }
  metric->version = record.version;
  metric->created_at = record.created_at;
  metric->updated_at = record.updated_at;
  return metric;
}

core::StatusOr<StoredExperiment> LoadStoredExperiment(store::Transaction& tx,
                                                      const store::ExperimentRecord& record) {
  ASSIGN_OR_RETURN(Experiment experiment, FromRecord(record));
  StoredExperiment out{std::move(experiment), {}};
  for (const ExperimentMetric& m : out.experiment.metrics) {
    ASSIGN_OR_RETURN(auto metric, store::MetricRepository::Find(tx, m.metric));
    if (!metric) {
      return core::FailedPrecondition("experiment " + record.key + " uses metric " + m.metric +
                                      ", which does not exist");
    }
    ASSIGN_OR_RETURN(MetricDefinition definition, FromRecord(*metric));
    out.metrics.push_back(std::move(definition));
  }
  return out;
}

core::StatusOr<std::optional<StoredExperiment>> FindStoredExperiment(store::Transaction& tx,
                                                                     const std::string& key) {
  ASSIGN_OR_RETURN(auto record, store::ExperimentRepository::Find(tx, key));
  if (!record) return std::optional<StoredExperiment>();
  ASSIGN_OR_RETURN(StoredExperiment stored, LoadStoredExperiment(tx, *record));
  return std::optional<StoredExperiment>(std::move(stored));
}

}  // namespace gov::experiments::internal
