#pragma once

#include <memory>
#include <string>

#include "store/database.h"

namespace gov::store {

// Opens (creating if needed) a SQLite database file in WAL mode with a busy timeout.
// Writes go through one writer connection (serialized); reads use reader connections that
// see committed snapshots concurrently: `pool_size` opened up front, more on demand (up to
// 128) when every reader is busy. `path` may be relative.
core::StatusOr<std::unique_ptr<Database>> OpenSqliteDatabase(const std::string& path,
                                                             int pool_size);

}  // namespace gov::store
