#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "store/database.h"

namespace gov::store {

// Connects to a PostgreSQL URL (postgres:// or postgresql://, libpq keyword/URI forms) with a
// pool of `pool_size` connections (>= 1). One connection is opened eagerly so a bad URL or an
// unreachable server fails here with kUnavailable; the rest open on demand. Listen() and the
// leader lock each use one extra dedicated connection.
core::StatusOr<std::unique_ptr<Database>> OpenPostgresDatabase(const std::string& url,
                                                               int pool_size);

}  // namespace gov::store
