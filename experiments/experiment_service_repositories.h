#pragma once

// The repositories ExperimentService reads and writes, in its own transactions. Built by the
// composition root (app::GovernorServer); tests substitute their own.

#include "store/audit_repository.h"
#include "store/environment_repository.h"
#include "store/experiment_repository.h"
#include "store/metric_repository.h"

namespace gov::experiments {

struct ExperimentRepositories {
  store::ExperimentStore& experiments;
  store::MetricStore& metrics;
  store::EnvironmentStore& environments;
  store::AuditLog& audit;
};

// The SQL implementations (stateless, shared by every service), for tests and tools that build
// an ExperimentService on a database of their own.
ExperimentRepositories SqlExperimentRepositories();

}  // namespace gov::experiments
