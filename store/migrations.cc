#include "store/migrations.h"

#include <algorithm>
#include <set>

#include "core/clock.h"
#include "store/event_repository.h"
#include "store/experiment_aggregate_repository.h"

namespace gov::store {

namespace {

constexpr int64_t kMigrationLockKey = 0x676f765f6d6967;  // "gov_mig"

std::string Dialect(const std::string& sql, Backend backend) {
  static const std::string kToken = "{{AUTOINC_PK}}";
  std::string out = sql;
  const std::string replacement =
      backend == Backend::kSqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY";
  for (size_t pos; (pos = out.find(kToken)) != std::string::npos;) {
    out.replace(pos, kToken.size(), replacement);
  }
  return out;
}

core::Status EnsureMigrationsTable(Database& db) {
  return WithTransaction(db, TxMode::kReadWrite, [](Transaction& tx) {
    return tx
        .Exec(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)")
        .status();
  });
}

core::StatusOr<int> MaxVersion(Transaction& tx) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  return static_cast<int>(rs.rows.at(0).Int(0));
}

}  // namespace

const std::vector<Migration>& AllMigrations() {
  static const std::vector<Migration> kMigrations = {
      {1,
       "foundation: environments, tokens, audit log",
       {
           "CREATE TABLE environments ("
           " name TEXT PRIMARY KEY,"
           " created_at BIGINT NOT NULL,"
           " version BIGINT NOT NULL DEFAULT 1)",
           "CREATE TABLE tokens ("
           " id TEXT PRIMARY KEY,"
           " name TEXT NOT NULL,"
           " type TEXT NOT NULL,"
           " environment TEXT REFERENCES environments(name),"
           " secret_hash TEXT NOT NULL UNIQUE,"
           " created_at BIGINT NOT NULL,"
           " expires_at BIGINT,"
           " revoked_at BIGINT,"
           " version BIGINT NOT NULL DEFAULT 1)",
           "CREATE INDEX tokens_created ON tokens (created_at, id)",
           "CREATE TABLE audit_log ("
           " seq {{AUTOINC_PK}},"
           " at BIGINT NOT NULL,"
           " actor TEXT NOT NULL,"
           " action TEXT NOT NULL,"
           " resource TEXT NOT NULL,"
           " before_json TEXT,"
           " after_json TEXT,"
           " request_id TEXT)",
           "CREATE INDEX audit_log_resource ON audit_log (resource, seq)",
           "INSERT INTO environments (name, created_at) VALUES ('development', 0), "
           "('production', 0)",
       }},
      {3,
       "controller: targets, their loop state and decisions, the leader epoch",
       {
           "CREATE TABLE targets ("
           " name TEXT PRIMARY KEY,"
           " spec_json TEXT NOT NULL,"
           " source TEXT NOT NULL,"
           " version BIGINT NOT NULL DEFAULT 1,"
           " created_at BIGINT NOT NULL,"
           " updated_at BIGINT NOT NULL)",
           "CREATE TABLE target_states ("
           " target TEXT PRIMARY KEY REFERENCES targets(name) ON DELETE CASCADE,"
           " replicas BIGINT NOT NULL,"
           " desired_replicas BIGINT,"
           " state_json TEXT NOT NULL,"
           " last_sync_at BIGINT NOT NULL,"
           " last_decision_id TEXT NOT NULL,"
           " epoch BIGINT NOT NULL)",
           "CREATE TABLE target_decisions ("
           " seq {{AUTOINC_PK}},"
           " id TEXT NOT NULL UNIQUE,"
           " target TEXT NOT NULL REFERENCES targets(name) ON DELETE CASCADE,"
           " at BIGINT NOT NULL,"
           " epoch BIGINT NOT NULL,"
           " from_replicas BIGINT NOT NULL,"
           " to_replicas BIGINT NOT NULL,"
           " reason TEXT NOT NULL,"
           " actuation TEXT NOT NULL,"
           " error TEXT,"
           " record_json TEXT NOT NULL)",
           "CREATE INDEX target_decisions_target ON target_decisions (target, seq)",
           "CREATE TABLE controller_leader ("
           " id BIGINT PRIMARY KEY,"
           " epoch BIGINT NOT NULL,"
           " holder TEXT,"
           " acquired_at BIGINT NOT NULL)",
           "INSERT INTO controller_leader (id, epoch, holder, acquired_at) VALUES (1, 0, NULL, 0)",
       }},
      {2,
       "flags: features, per-environment state, segments, revisions, client metrics",
       {
           "CREATE TABLE flag_features ("
           " name TEXT PRIMARY KEY,"
           " project TEXT NOT NULL,"
           " definition_json TEXT NOT NULL,"
           " version BIGINT NOT NULL DEFAULT 1,"
           " created_at BIGINT NOT NULL,"
           " updated_at BIGINT NOT NULL)",
           "CREATE TABLE flag_environments ("
           " feature TEXT NOT NULL REFERENCES flag_features(name) ON DELETE CASCADE,"
           " environment TEXT NOT NULL REFERENCES environments(name),"
           " enabled BIGINT NOT NULL,"
           " strategies_json TEXT NOT NULL,"
           " variants_json TEXT NOT NULL,"
           " PRIMARY KEY (feature, environment))",
           "CREATE INDEX flag_environments_env ON flag_environments (environment, feature)",
           "CREATE TABLE flag_segments ("
           " id BIGINT PRIMARY KEY,"
           " name TEXT NOT NULL,"
           " definition_json TEXT NOT NULL,"
           " version BIGINT NOT NULL DEFAULT 1,"
           " created_at BIGINT NOT NULL,"
           " updated_at BIGINT NOT NULL)",
           "CREATE TABLE flag_revisions ("
           " environment TEXT PRIMARY KEY REFERENCES environments(name),"
           " revision BIGINT NOT NULL)",
           "CREATE TABLE flag_metrics ("
           " app_name TEXT NOT NULL,"
           " feature TEXT NOT NULL,"
           " environment TEXT NOT NULL,"
           " hour BIGINT NOT NULL,"
           " yes BIGINT NOT NULL,"
           " no BIGINT NOT NULL,"
           " PRIMARY KEY (app_name, feature, environment, hour))",
           "CREATE INDEX flag_metrics_feature ON flag_metrics (feature, hour)",
           "CREATE TABLE flag_variant_metrics ("
           " app_name TEXT NOT NULL,"
           " feature TEXT NOT NULL,"
           " environment TEXT NOT NULL,"
           " hour BIGINT NOT NULL,"
           " variant TEXT NOT NULL,"
           " count BIGINT NOT NULL,"
           " PRIMARY KEY (app_name, feature, environment, hour, variant))",
           "CREATE INDEX flag_variant_metrics_feature ON flag_variant_metrics (feature, hour)",
           "CREATE TABLE flag_client_registrations ("
           " app_name TEXT NOT NULL,"
           " instance_id TEXT NOT NULL,"
           " environment TEXT NOT NULL,"
           " sdk_version TEXT NOT NULL,"
           " strategies_json TEXT NOT NULL,"
           " started_at BIGINT NOT NULL,"
           " interval_ms BIGINT NOT NULL,"
           " last_seen_at BIGINT NOT NULL,"
           " PRIMARY KEY (app_name, instance_id, environment))",
       }},
      {4,
       "flags: a counter for segment ids, so concurrent creators never pick the same one",
       {
           "CREATE TABLE flag_id_counters ("
           " name TEXT PRIMARY KEY,"
           " last_id BIGINT NOT NULL)",
       }},
      {5,
       "controller: each target's load history, which forecasts are fitted on",
       {
           "CREATE TABLE target_load_history ("
           " target TEXT NOT NULL REFERENCES targets(name) ON DELETE CASCADE,"
           " metric TEXT NOT NULL,"
           " at BIGINT NOT NULL,"
           " value DOUBLE PRECISION NOT NULL,"
           " PRIMARY KEY (target, metric, at))",
           "CREATE INDEX target_load_history_at ON target_load_history (at)",
       }},
      {6,
       "experiments: metric definitions, experiments and the metrics each references",
       {
           "CREATE TABLE metrics ("
           " name TEXT PRIMARY KEY,"
           " spec_json TEXT NOT NULL,"
           " version BIGINT NOT NULL DEFAULT 1,"
           " created_at BIGINT NOT NULL,"
           " updated_at BIGINT NOT NULL)",
           "CREATE TABLE experiments ("
           " key TEXT PRIMARY KEY,"
           " environment TEXT NOT NULL REFERENCES environments(name),"
           " feature TEXT NOT NULL,"
           " status TEXT NOT NULL,"
           " spec_json TEXT NOT NULL,"
           " version BIGINT NOT NULL DEFAULT 1,"
           " created_at BIGINT NOT NULL,"
           " updated_at BIGINT NOT NULL,"
           " started_at BIGINT,"
           " stopped_at BIGINT)",
           "CREATE INDEX experiments_feature ON experiments (environment, feature, status)",
           // At most one running experiment binds a feature in an environment.
           "CREATE UNIQUE INDEX experiments_one_running ON experiments (environment, feature) "
           "WHERE status = 'running'",
           "CREATE TABLE experiment_metrics ("
           " experiment TEXT NOT NULL REFERENCES experiments(key) ON DELETE CASCADE,"
           " metric TEXT NOT NULL REFERENCES metrics(name),"
           " PRIMARY KEY (experiment, metric))",
           "CREATE INDEX experiment_metrics_metric ON experiment_metrics (metric, experiment)",
       }},
      {7,
       "experiments: ingested and recorded events (exposures and tracked events)",
       {
           "CREATE TABLE events ("
           " seq {{AUTOINC_PK}},"
           " environment TEXT NOT NULL,"
           " id TEXT NOT NULL,"
           " type TEXT NOT NULL,"
           " name TEXT NOT NULL,"
           " unit TEXT NOT NULL,"
           " value DOUBLE PRECISION,"
           " at BIGINT NOT NULL,"
           " received_at BIGINT NOT NULL,"
           " experiment TEXT,"
           " feature TEXT,"
           " variant TEXT,"
           " properties_json TEXT,"
           " UNIQUE (environment, id))",
           "CREATE INDEX events_unit ON events (environment, unit, seq)",
       }},
      {8,
       "experiments: aggregates (units, their metric values, daily sufficient statistics)",
       {
           "CREATE TABLE experiment_units ("
           " experiment TEXT NOT NULL REFERENCES experiments(key) ON DELETE CASCADE,"
           " unit TEXT NOT NULL,"
           " variant TEXT NOT NULL,"
           " first_exposure_at BIGINT NOT NULL,"
           " excluded INTEGER NOT NULL DEFAULT 0,"
           " PRIMARY KEY (experiment, unit))",
           "CREATE TABLE experiment_unit_values ("
           " experiment TEXT NOT NULL,"
           " unit TEXT NOT NULL,"
           " metric TEXT NOT NULL,"
           " value DOUBLE PRECISION NOT NULL,"
           " denominator DOUBLE PRECISION NOT NULL,"
           " pre_value DOUBLE PRECISION NOT NULL,"
           " PRIMARY KEY (experiment, unit, metric),"
           " FOREIGN KEY (experiment, unit) REFERENCES experiment_units (experiment, unit)"
           " ON DELETE CASCADE)",
           "CREATE TABLE experiment_daily_stats ("
           " experiment TEXT NOT NULL REFERENCES experiments(key) ON DELETE CASCADE,"
           " variant TEXT NOT NULL,"
           " metric TEXT NOT NULL,"
           " day BIGINT NOT NULL,"
           " n BIGINT NOT NULL,"
           " sum DOUBLE PRECISION NOT NULL,"
           " sum_squares DOUBLE PRECISION NOT NULL,"
           " den_sum DOUBLE PRECISION NOT NULL,"
           " den_sum_squares DOUBLE PRECISION NOT NULL,"
           " cross_sum DOUBLE PRECISION NOT NULL,"
           " pre_sum DOUBLE PRECISION NOT NULL,"
           " pre_sum_squares DOUBLE PRECISION NOT NULL,"
           " pre_cross_sum DOUBLE PRECISION NOT NULL,"
           " PRIMARY KEY (experiment, variant, metric, day))",
           "CREATE TABLE experiment_aggregate_counters ("
           " experiment TEXT PRIMARY KEY REFERENCES experiments(key) ON DELETE CASCADE,"
           " exposures BIGINT NOT NULL,"
           " multiple_exposure_units BIGINT NOT NULL)",
           // The last events.seq aggregated (one row, id 1), committed with the aggregates.
           "CREATE TABLE experiment_aggregation_cursor ("
           " id INTEGER PRIMARY KEY,"
           " last_seq BIGINT NOT NULL)",
           "INSERT INTO experiment_aggregation_cursor (id, last_seq) VALUES (1, 0)",
       }},
      {9,
       "flags: scheduled changes (a feature turned on or off in one environment at a time)",
       {
           "CREATE TABLE scheduled_changes ("
           " id {{AUTOINC_PK}},"
           " feature TEXT NOT NULL REFERENCES flag_features(name) ON DELETE CASCADE,"
           " environment TEXT NOT NULL REFERENCES environments(name),"
           " action TEXT NOT NULL,"
           " at BIGINT NOT NULL,"
           " state TEXT NOT NULL,"
           " created_by TEXT NOT NULL,"
           " created_at BIGINT NOT NULL,"
           " finished_at BIGINT)",
           "CREATE INDEX scheduled_changes_due ON scheduled_changes (state, at, id)",
           "CREATE INDEX scheduled_changes_flag ON scheduled_changes (feature, environment, id)",
       }},
      {10,
       "rollouts: release plans, their history and templates; the outbox of notifications",
       {
           "CREATE TABLE release_plans ("
           " name TEXT PRIMARY KEY,"
           " feature TEXT NOT NULL,"
           " environment TEXT NOT NULL REFERENCES environments(name),"
           " spec_json TEXT NOT NULL,"
           " state TEXT NOT NULL,"
           " milestone BIGINT NOT NULL,"
           " milestone_started_at BIGINT,"
           " rollout BIGINT NOT NULL,"
           " guardrails_json TEXT NOT NULL,"
           " version BIGINT NOT NULL DEFAULT 1,"
           " created_at BIGINT NOT NULL,"
           " updated_at BIGINT NOT NULL,"
           " created_by TEXT NOT NULL)",
           // At most one running or paused plan drives a feature in an environment; the index
           // also finds that plan. Queries repeat its predicate verbatim (see
           // release_plan_repository.cc), so that SQLite uses it.
           "CREATE UNIQUE INDEX release_plans_one_active ON release_plans (environment, feature) "
           "WHERE state IN ('running', 'paused')",
           "CREATE TABLE release_plan_history ("
           " seq {{AUTOINC_PK}},"
           " plan TEXT NOT NULL REFERENCES release_plans(name) ON DELETE CASCADE,"
           " at BIGINT NOT NULL,"
           " from_state TEXT NOT NULL,"
           " to_state TEXT NOT NULL,"
           " from_milestone BIGINT NOT NULL,"
           " to_milestone BIGINT NOT NULL,"
           " cause_json TEXT)",
           "CREATE INDEX release_plan_history_plan ON release_plan_history (plan, seq)",
           "CREATE TABLE release_plan_templates ("
           " name TEXT PRIMARY KEY,"
           " spec_json TEXT NOT NULL,"
           " created_at BIGINT NOT NULL,"
           " updated_at BIGINT NOT NULL)",
           "CREATE TABLE outbox ("
           " id {{AUTOINC_PK}},"
           " kind TEXT NOT NULL,"
           " url TEXT NOT NULL,"
           " secret_env TEXT NOT NULL,"
           " payload_json TEXT NOT NULL,"
           " created_at BIGINT NOT NULL,"
           " attempts BIGINT NOT NULL DEFAULT 0,"
           " next_attempt_at BIGINT NOT NULL,"
           " last_error TEXT,"
           " delivered_at BIGINT)",
           "CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE delivered_at IS NULL",
       }},
      {11,
       "experiments: events indexed by 64-bit hashes of their unit (and id, on PostgreSQL)",
       {},
       &EventRepository::MigrateToHashedKeys},
      {12,
       "events by experiment",
       {
           // A release plan's evidence window (rollouts/plan_evidence.h) reads its exposures
           // by key; queries compare `experiment` with =, which implies the index's predicate.
           "CREATE INDEX events_experiment ON events (experiment, seq) "
           "WHERE experiment IS NOT NULL",
       }},
      {13,
       "flags: how each SDK instance connects (polling or streaming) and when it registered",
       {
           "ALTER TABLE flag_client_registrations ADD COLUMN connection_mode TEXT NOT NULL "
           "DEFAULT ''",
           "ALTER TABLE flag_client_registrations ADD COLUMN connection_mode_at BIGINT NOT NULL "
           "DEFAULT 0",
           "ALTER TABLE flag_client_registrations ADD COLUMN registered_at BIGINT",
           // Until now every row came from a registration, refreshed at last_seen_at.
           "UPDATE flag_client_registrations SET registered_at = last_seen_at",
       }},
      {14,
       "experiments: event ids unique by their hash, and concurrent event writers on PostgreSQL",
       {},
       &EventRepository::MigrateToUniqueIdHash},
      {15,
       "experiments: events keyed by their unit and id, one unique index for repeats and for a "
       "unit's events",
       {},
       &EventRepository::MigrateToUnitIdKey},
      {16,
       "experiments: unit aggregates stored in their key's order (SQLite: WITHOUT ROWID)",
       {},
       &ExperimentAggregateRepository::MigrateToKeyOrderedUnits},
  };
  return kMigrations;
}

int LatestSchemaVersion() {
  int latest = 0;
  for (const auto& m : AllMigrations()) latest = std::max(latest, m.version);
  return latest;
}

core::StatusOr<int> CurrentSchemaVersion(Database& db) {
  RETURN_IF_ERROR(EnsureMigrationsTable(db));
  ASSIGN_OR_RETURN(auto tx, db.Begin(TxMode::kReadOnly));
  ASSIGN_OR_RETURN(int version, MaxVersion(*tx));
  RETURN_IF_ERROR(tx->Commit());
  return version;
}

namespace {

core::StatusOr<std::set<int>> AppliedVersions(Transaction& tx) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("SELECT version FROM schema_migrations"));
  std::set<int> out;
  for (const auto& row : rs.rows) out.insert(static_cast<int>(row.Int(0)));
  return out;
}

// kFailedPrecondition when the database has a migration this binary does not know.
core::Status CheckNotNewer(const std::set<int>& applied, const std::vector<Migration>& known) {
  std::set<int> known_versions;
  for (const auto& m : known) known_versions.insert(m.version);
  for (int v : applied) {
    if (!known_versions.count(v)) {
      return core::FailedPrecondition(
          "database has schema migration " + std::to_string(v) +
          ", which this Governor binary does not know (it knows up to " +
          std::to_string(known_versions.empty() ? 0 : *known_versions.rbegin()) +
          "): the database is newer than this binary; upgrade Governor or point it at another "
          "database");
    }
  }
  return core::Status::Ok();
}

}  // namespace

// Each migration is applied once, in version order, in its own transaction with its
// `schema_migrations` row. Applied versions are tracked as a set, so a migration numbered
// below one already applied (added by another module) is still applied.
core::Status Migrate(Database& db, const std::vector<Migration>& unsorted) {
  RETURN_IF_ERROR(EnsureMigrationsTable(db));
  std::vector<Migration> migrations = unsorted;
  std::sort(migrations.begin(), migrations.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  RETURN_IF_ERROR(WithTransaction(db, TxMode::kReadOnly, [&](Transaction& tx) -> core::Status {
    ASSIGN_OR_RETURN(auto applied, AppliedVersions(tx));
    return CheckNotNewer(applied, migrations);
  }));
  for (const Migration& m : migrations) {
    RETURN_IF_ERROR(WithTransaction(db, TxMode::kReadWrite, [&](Transaction& tx) -> core::Status {
      if (db.backend() == Backend::kPostgres) {
        RETURN_IF_ERROR(tx.Exec("SELECT pg_advisory_xact_lock($1)", {kMigrationLockKey}).status());
      }
      ASSIGN_OR_RETURN(auto applied, AppliedVersions(tx));  // another process may have run it
      if (applied.count(m.version)) return core::Status::Ok();
      for (const std::string& sql : m.statements) {
        core::Status st = tx.Exec(Dialect(sql, db.backend())).status();
        if (!st.ok()) {
          return core::Status(st.code(), "migration " + std::to_string(m.version) + " (" + m.name +
                                             ") failed: " + st.message());
        }
      }
      if (m.then) {
        core::Status st = m.then(tx, db.backend());
        if (!st.ok()) {
          return core::Status(st.code(), "migration " + std::to_string(m.version) + " (" + m.name +
                                             ") failed: " + st.message());
        }
      }
      const auto now =
          static_cast<int64_t>(core::ToUnixSeconds(core::SystemClock::Instance().Now()));
      return tx
          .Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                {int64_t{m.version}, m.name, now})
          .status();
    }));
  }
  return core::Status::Ok();
}

core::StatusOr<bool> SchemaUpToDate(Database& db) {
  ASSIGN_OR_RETURN(auto tx, db.Begin(TxMode::kReadOnly));
  ASSIGN_OR_RETURN(auto applied, AppliedVersions(*tx));
  for (const auto& m : AllMigrations()) {
    if (!applied.count(m.version)) return false;
  }
  return CheckNotNewer(applied, AllMigrations()).ok();
}

}  // namespace gov::store
