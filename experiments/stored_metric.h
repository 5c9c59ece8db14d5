#pragma once

// Metric definitions as other modules read them from the store (rollouts' metric guardrails),
// through the same reading as the experiment service's.

#include "core/status.h"
#include "experiments/model.h"
#include "store/metric_repository.h"

namespace gov::experiments {

// The definition a stored record holds (the store's version and times win over the copies in
// the JSON); kInternal when the stored JSON is unreadable.
core::StatusOr<MetricDefinition> MetricDefinitionFromRecord(const store::MetricRecord& record);

}  // namespace gov::experiments
