#pragma once

// The repositories the flag services (FlagService, SnapshotPublisher, FlagMetrics) read and
// write, in their own transactions. Built by the composition root (app::GovernorServer); tests
// substitute their own.

#include "store/audit_repository.h"
#include "store/environment_repository.h"
#include "store/flag_metrics_repository.h"
#include "store/flag_repository.h"

namespace gov::flags {

struct FlagRepositories {
  store::FlagStore& flags;
  store::EnvironmentStore& environments;
  store::AuditLog& audit;            // written by FlagService
  store::FlagMetricsStore& metrics;  // FlagMetrics's
};

// The SQL implementations (stateless, shared by every service), for tests and tools that build
// the flag services on a database of their own.
FlagRepositories SqlFlagRepositories();

}  // namespace gov::flags
