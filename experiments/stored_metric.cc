#include "experiments/stored_metric.h"

#include "experiments/internal/stored_experiments.h"

namespace gov::experiments {

core::StatusOr<MetricDefinition> MetricDefinitionFromRecord(const store::MetricRecord& record) {
  return internal::FromRecord(record);
}

}  // namespace gov::experiments
