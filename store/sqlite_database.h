#pragma once

#include <memory>
#include <string>

#include "store/database.h"

namespace gov::store {

// Opens (creating if needed) a SQLite database file in WAL mode with a busy timeout.
// Writes go through one writer connection (serialized); reads use `pool_size` reader
// connections that see committed snapshots concurrently. `path` may be relative.
StatusOr<std::unique_ptr<Database>> OpenSqliteDatabase(const std::string& path, int pool_size);

}  // namespace gov::store
