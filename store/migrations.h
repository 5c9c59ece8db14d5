#pragma once

#include <string>
#include <vector>

#include "store/database.h"

namespace gov::store {

// One schema change. Statements use the dialect both backends share; the token
// {{AUTOINC_PK}} becomes each backend's auto-increment 64-bit primary key.
struct Migration {
  int version;
  std::string name;
  std::vector<std::string> statements;
};

// Every migration this binary knows, in version order.
const std::vector<Migration>& AllMigrations();
// The highest version in AllMigrations().
int LatestSchemaVersion();

// Applies pending migrations, each in its own transaction together with its row in
// `schema_migrations`. Fails with kFailedPrecondition when the database has a version this
// binary does not know (a newer Governor wrote it). Safe to call from several processes at
// once on PostgreSQL (serialized by an advisory lock).
Status Migrate(Database& db, const std::vector<Migration>& migrations = AllMigrations());

// The applied version, 0 for an empty database.
StatusOr<int> CurrentSchemaVersion(Database& db);

}  // namespace gov::store
