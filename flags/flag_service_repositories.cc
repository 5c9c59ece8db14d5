#include "flags/flag_service_repositories.h"

namespace gov::flags {

FlagRepositories SqlFlagRepositories() {
  static store::SqlFlagStore flags;
  static store::SqlEnvironmentStore environments;
  static store::SqlAuditLog audit;
  static store::SqlFlagMetricsStore metrics;
  return FlagRepositories{flags, environments, audit, metrics};
}

}  // namespace gov::flags
