#pragma once

// Writes FlagService's features, segments and import share. Call inside its transaction.

#include <set>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "flags/flag_service_model.h"
#include "flags/flag_service_repositories.h"
#include "store/database.h"

namespace gov::flags {

// kNotFound unless `environment` exists.
core::Status RequireEnvironment(const FlagRepositories& repos, store::Transaction& tx,
                                const std::string& environment);
// Writes `next` over `before` (nullptr: a new feature). Returns whether anything changed,
// and adds the environments whose client view changed to `touched`.
core::StatusOr<bool> WriteFeature(const FlagRepositories& repos, store::Transaction& tx,
                                  const AdminFeature& next, const AdminFeature* before,
                                  core::TimePoint now, std::set<std::string>& touched, bool& all);

}  // namespace gov::flags
