#pragma once

#include <functional>
#include <string>
#include <vector>

#include "store/database.h"

namespace gov::store {

// One schema change. Statements use the dialect both backends share; the token
// {{AUTOINC_PK}} becomes each backend's auto-increment 64-bit primary key.
// A change the statements cannot express (data rewritten by code) runs after them, in the
// same transaction, as `then`.
struct Migration {
  int version;
  std::string name;
  std::vector<std::string> statements;
  std::function<core::Status(Transaction&, Backend)> then = nullptr;
};

// Every migration this binary knows. Modules add theirs to the list in migrations.cc with a
// new, unique version number; order of application is by version.
const std::vector<Migration>& AllMigrations();
// The highest version in AllMigrations().
int LatestSchemaVersion();

// Applies every migration not yet recorded in `schema_migrations`, in version order, each in
// its own transaction together with its row. Fails with kFailedPrecondition, before changing
// anything, when the database has a migration this binary does not know (a newer Governor
// wrote it). Safe to call from several processes at once on PostgreSQL (advisory lock).
core::Status Migrate(Database& db, const std::vector<Migration>& migrations = AllMigrations());

// The highest applied version, 0 for an empty database.
core::StatusOr<int> CurrentSchemaVersion(Database& db);

// True when every known migration is applied and none unknown is. Read-only.
core::StatusOr<bool> SchemaUpToDate(Database& db);

}  // namespace gov::store
