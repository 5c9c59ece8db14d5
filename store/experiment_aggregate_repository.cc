#include "store/experiment_aggregate_repository.h"

#include <string_view>
#include <utility>

#include "store/event_repository.h"
#include "store/internal/pg_array_literal.h"

namespace gov::store {

namespace {

// PostgreSQL reads each event's xid; SQLite has none (0).
constexpr const char* kSqliteEventColumns =
    "SELECT seq, environment, type, name, unit, value, at, experiment, variant, 0 FROM events ";
constexpr const char* kPostgresEventColumns =
    "SELECT seq, environment, type, name, unit, value, at, experiment, variant, xid FROM events ";

// The oldest transaction still running: every transaction below it has ended.
constexpr const char* kPostgresHorizon =
    "CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS text) AS bigint)";

AggregationEventRow EventFromRow(const Row& row) {
  AggregationEventRow e;
  e.seq = row.Int(0);
  e.xid = row.Int(9);
  e.environment = row.Text(1);
  e.type = row.Text(2);
  e.name = row.Text(3);
  e.unit = row.Text(4);
  if (!row.IsNull(5)) e.value = row.Double(5);
  e.at_ms = row.Int(6);
  e.experiment = row.OptText(7);
  e.variant = row.OptText(8);
  return e;
}

std::vector<AggregationEventRow> EventsFrom(const ResultSet& rs) {
  std::vector<AggregationEventRow> out;
  out.reserve(rs.rows.size());
  for (const Row& row : rs.rows) out.push_back(EventFromRow(row));
  return out;
}

}  // namespace

core::StatusOr<EventPosition> ExperimentAggregateRepository::LockCursor(Transaction& tx) {
  // An UPDATE, not a SELECT: it locks the row until the transaction ends on PostgreSQL (and
  // returns the value committed by a concurrent aggregator it waited for).
  ASSIGN_OR_RETURN(auto rs, tx.Exec("UPDATE experiment_aggregation_cursor SET last_seq = last_seq "
                                    "WHERE id = 1 RETURNING last_xid, last_seq"));
  if (rs.rows.empty()) return EventPosition{};
  return EventPosition{rs.rows[0].Int(0), rs.rows[0].Int(1)};
}

namespace {

// The committed cursor ({0, 0} before any).
core::StatusOr<EventPosition> ReadCursor(Transaction& tx) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("SELECT last_xid, last_seq FROM experiment_aggregation_cursor "
                                    "WHERE id = 1"));
  if (rs.rows.empty()) return EventPosition{};
  return EventPosition{rs.rows[0].Int(0), rs.rows[0].Int(1)};
}

// The events after `cursor`, as a WHERE clause with its parameters ($1, $2). The cursor travels
// as parameters, not as a subquery, so both backends search their index from it (PostgreSQL
// would otherwise scan the table for a row comparison against a subquery's row).
std::pair<std::string, std::vector<SqlValue>> AfterCursor(Backend backend, EventPosition cursor) {
  if (backend == Backend::kSqlite) return {"WHERE seq > $1", {cursor.seq}};
  return {"WHERE (xid, seq) > ($1, $2)", {cursor.xid, cursor.seq}};
}

}  // namespace

core::StatusOr<bool> ExperimentAggregateRepository::HasEventsAfterCursor(Transaction& tx,
                                                                         Backend backend) {
  ASSIGN_OR_RETURN(const EventPosition cursor, ReadCursor(tx));
  const auto [where, params] = AfterCursor(backend, cursor);
  const char* order = backend == Backend::kSqlite ? " ORDER BY seq" : " ORDER BY xid, seq";
  ASSIGN_OR_RETURN(auto rs, tx.Exec("SELECT 1 FROM events " + where + order + " LIMIT 1", params));
  return !rs.rows.empty();
}

core::StatusOr<int64_t> ExperimentAggregateRepository::CountEventsAfterCursor(Transaction& tx,
                                                                              Backend backend) {
  ASSIGN_OR_RETURN(const EventPosition cursor, ReadCursor(tx));
  const auto [where, params] = AfterCursor(backend, cursor);
  ASSIGN_OR_RETURN(auto rs, tx.Exec("SELECT COUNT(*) FROM events " + where, params));
  return rs.rows.at(0).Int(0);
}

core::Status ExperimentAggregateRepository::WriteCursor(Transaction& tx, EventPosition last) {
  return tx
      .Exec(
          "INSERT INTO experiment_aggregation_cursor (id, last_xid, last_seq) VALUES (1, $1, $2) "
          "ON CONFLICT (id) DO UPDATE SET last_xid = excluded.last_xid, "
          "last_seq = excluded.last_seq",
          {last.xid, last.seq})
      .status();
}

core::StatusOr<std::vector<AggregationEventRow>> ExperimentAggregateRepository::ReadEventsAfter(
    Transaction& tx, Backend backend, EventPosition after, int64_t limit) {
  if (backend == Backend::kSqlite) {
    ASSIGN_OR_RETURN(
        auto rs, tx.Exec(std::string(kSqliteEventColumns) + "WHERE seq > $1 ORDER BY seq LIMIT $2",
                         {after.seq, limit}));
    return EventsFrom(rs);
  }
  ASSIGN_OR_RETURN(auto rs, tx.Exec(std::string(kPostgresEventColumns) +
                                        "WHERE (xid, seq) > ($1, $2) AND xid < " +
                                        kPostgresHorizon + " ORDER BY xid, seq LIMIT $3",
                                    {after.xid, after.seq, limit}));
  return EventsFrom(rs);
}

namespace {

// SQLite, in process, answers one key per statement (each statement prepared once per
// connection) as fast as a list of keys, and a single-row upsert needs no statement journal,
// which a multi-row one writes for every page it changes. PostgreSQL is a round trip away: it
// takes a batch's keys in one statement, as arrays, and searches them one key at a time (each
// LATERAL subquery, kept apart by OFFSET 0, is a lookup by its table's key whatever the
// planner believes of the tables' sizes: planned as a join, a batch read every unit of the
// experiment while the statistics still described an empty table).

constexpr const char* kSqliteUnitEvents =
    "SELECT seq, environment, type, name, unit, value, at, experiment, variant, 0 FROM events "
    "WHERE unit_hash = $1 AND environment = $2 AND unit = $3 AND seq < $4 ORDER BY seq";
constexpr const char* kPostgresUnitsEvents =
    "SELECT e.seq, e.environment, e.type, e.name, e.unit, e.value, e.at, e.experiment, "
    "e.variant, e.xid FROM unnest(CAST($1 AS int8[]), CAST($2 AS text[]), CAST($3 AS int8[]), "
    "CAST($4 AS int8[])) WITH ORDINALITY AS k(unit_hash, unit, xid, seq, n) "
    "CROSS JOIN LATERAL (SELECT * FROM events e WHERE e.unit_hash = k.unit_hash AND "
    "e.environment = $5 AND e.unit = k.unit AND (e.xid, e.seq) < (k.xid, k.seq) OFFSET 0) e "
    "ORDER BY k.n, e.xid, e.seq";

constexpr const char* kUnitColumns =
    "SELECT u.unit, u.variant, u.first_exposure_at, u.excluded, v.metric, v.value, "
    "v.denominator, v.pre_value ";
constexpr const char* kSqliteReadUnit =
    "FROM experiment_units u LEFT JOIN experiment_unit_values v "
    "ON v.experiment = u.experiment AND v.unit = u.unit WHERE u.experiment = $1 AND u.unit = $2";
constexpr const char* kPostgresReadUnits =
    "FROM unnest(CAST($2 AS text[])) WITH ORDINALITY AS k(unit, n) "
    "CROSS JOIN LATERAL (SELECT * FROM experiment_units u "
    "WHERE u.experiment = $1 AND u.unit = k.unit OFFSET 0) u "
    "LEFT JOIN LATERAL (SELECT * FROM experiment_unit_values v "
    "WHERE v.experiment = $1 AND v.unit = k.unit OFFSET 0) v ON true ORDER BY k.n";

constexpr const char* kUnitsUpsert =
    " ON CONFLICT (experiment, unit) DO UPDATE SET variant = excluded.variant, "
    "first_exposure_at = excluded.first_exposure_at, excluded = excluded.excluded";
constexpr const char* kValuesUpsert =
    " ON CONFLICT (experiment, unit, metric) DO UPDATE SET value = excluded.value, "
    "denominator = excluded.denominator, pre_value = excluded.pre_value";

}  // namespace

core::StatusOr<std::vector<AggregationEventRow>> ExperimentAggregateRepository::ReadUnitsEvents(
    Transaction& tx, Backend backend, const std::string& environment,
    std::span<const UnitEventsBefore> units) {
  std::vector<AggregationEventRow> out;
  if (units.empty()) return out;
  if (backend == Backend::kPostgres) {
    internal::ArrayLiteral hashes(units.size() * 21), names(units.size() * 24),
        xids(units.size() * 11), seqs(units.size() * 11);
    for (const UnitEventsBefore& u : units) {
      hashes.Int(EventUnitHash(environment, u.unit));
      names.Text(std::string_view(u.unit));
      xids.Int(u.before.xid);
      seqs.Int(u.before.seq);
    }
    ASSIGN_OR_RETURN(auto rs,
                     tx.Exec(kPostgresUnitsEvents,
                             {hashes.Take(), names.Take(), xids.Take(), seqs.Take(), environment}));
    return EventsFrom(rs);
  }
  for (const UnitEventsBefore& u : units) {
    ASSIGN_OR_RETURN(auto rs, tx.Exec(kSqliteUnitEvents, {EventUnitHash(environment, u.unit),
                                                          environment, u.unit, u.before.seq}));
    for (const Row& row : rs.rows) out.push_back(EventFromRow(row));
  }
  return out;
}

core::StatusOr<std::vector<ExperimentUnitRecord>> ExperimentAggregateRepository::ReadUnits(
    Transaction& tx, Backend backend, const std::string& experiment,
    std::span<const std::string> units) {
  std::vector<ExperimentUnitRecord> out;
  // Rows come grouped by unit: a unit's first row starts its record.
  auto add = [&](const ResultSet& rs) {
    for (const Row& row : rs.rows) {
      std::string unit = row.Text(0);
      if (out.empty() || out.back().unit != unit) {
        out.push_back(
            ExperimentUnitRecord{std::move(unit), row.Text(1), row.Int(2), row.Int(3) != 0, {}});
      }
      if (row.IsNull(4)) continue;
      out.back().values.push_back(
          UnitValueRecord{row.Text(4), row.Double(5), row.Double(6), row.Double(7)});
    }
  };
  if (units.empty()) return out;
  if (backend == Backend::kPostgres) {
    internal::ArrayLiteral list(units.size() * 24);
    for (const std::string& unit : units) list.Text(std::string_view(unit));
    ASSIGN_OR_RETURN(auto rs, tx.Exec(std::string(kUnitColumns) + kPostgresReadUnits,
                                      {experiment, list.Take()}));
    add(rs);
    return out;
  }
  static const std::string sql = std::string(kUnitColumns) + kSqliteReadUnit;
  for (const std::string& unit : units) {
    ASSIGN_OR_RETURN(auto rs, tx.Exec(sql, {experiment, unit}));
    add(rs);
  }
  return out;
}

core::Status ExperimentAggregateRepository::WriteUnits(
    Transaction& tx, Backend backend, const std::string& experiment,
    std::span<const ExperimentUnitRecord> units) {
  if (units.empty()) return core::Status::Ok();
  if (backend == Backend::kSqlite) {
    static const std::string unit_sql =
        std::string(
            "INSERT INTO experiment_units (experiment, unit, variant, first_exposure_at, "
            "excluded) VALUES ($1, $2, $3, $4, $5)") +
        kUnitsUpsert;
    static const std::string value_sql =
        std::string(
            "INSERT INTO experiment_unit_values (experiment, unit, metric, value, "
            "denominator, pre_value) VALUES ($1, $2, $3, $4, $5, $6)") +
        kValuesUpsert;
    for (const ExperimentUnitRecord& u : units) {
      RETURN_IF_ERROR(tx.Exec(unit_sql, {experiment, u.unit, u.variant, u.first_exposure_ms,
                                         int64_t{u.excluded ? 1 : 0}})
                          .status());
      for (const UnitValueRecord& v : u.values) {
        RETURN_IF_ERROR(
            tx.Exec(value_sql, {experiment, u.unit, v.metric, v.value, v.denominator, v.pre_value})
                .status());
      }
    }
    return core::Status::Ok();
  }
  internal::ArrayLiteral unit(units.size() * 24), variant(units.size() * 12),
      first(units.size() * 15), excluded(units.size() * 2);
  size_t value_count = 0;
  for (const ExperimentUnitRecord& u : units) {
    unit.Text(std::string_view(u.unit));
    variant.Text(std::string_view(u.variant));
    first.Int(u.first_exposure_ms);
    excluded.Int(u.excluded ? 1 : 0);
    value_count += u.values.size();
  }
  RETURN_IF_ERROR(tx.Exec(std::string("INSERT INTO experiment_units (experiment, unit, variant, "
                                      "first_exposure_at, excluded) "
                                      "SELECT CAST($1 AS text), * FROM unnest("
                                      "CAST($2 AS text[]), CAST($3 AS text[]), "
                                      "CAST($4 AS int8[]), CAST($5 AS int4[]))") +
                              kUnitsUpsert,
                          {experiment, unit.Take(), variant.Take(), first.Take(), excluded.Take()})
                      .status());
  if (value_count == 0) return core::Status::Ok();
  internal::ArrayLiteral value_unit(value_count * 24), metric(value_count * 12),
      value(value_count * 12), denominator(value_count * 4), pre(value_count * 4);
  for (const ExperimentUnitRecord& u : units) {
    for (const UnitValueRecord& v : u.values) {
      value_unit.Text(std::string_view(u.unit));
      metric.Text(std::string_view(v.metric));
      value.Double(v.value);
      denominator.Double(v.denominator);
      pre.Double(v.pre_value);
    }
  }
  return tx
      .Exec(std::string("INSERT INTO experiment_unit_values (experiment, unit, metric, value, "
                        "denominator, pre_value) SELECT CAST($1 AS text), * FROM unnest("
                        "CAST($2 AS text[]), CAST($3 AS text[]), CAST($4 AS float8[]), "
                        "CAST($5 AS float8[]), CAST($6 AS float8[]))") +
                kValuesUpsert,
            {experiment, value_unit.Take(), metric.Take(), value.Take(), denominator.Take(),
             pre.Take()})
      .status();
}

core::Status ExperimentAggregateRepository::AddDailyStats(
    Transaction& tx, const std::string& experiment, const std::vector<DailyStatsRecord>& deltas) {
  for (const DailyStatsRecord& d : deltas) {
    RETURN_IF_ERROR(
        tx.Exec("INSERT INTO experiment_daily_stats (experiment, variant, metric, day, n, sum, "
                "sum_squares, den_sum, den_sum_squares, cross_sum, pre_sum, pre_sum_squares, "
                "pre_cross_sum) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
                "ON CONFLICT (experiment, variant, metric, day) DO UPDATE SET "
                "n = experiment_daily_stats.n + excluded.n, "
                "sum = experiment_daily_stats.sum + excluded.sum, "
                "sum_squares = experiment_daily_stats.sum_squares + excluded.sum_squares, "
                "den_sum = experiment_daily_stats.den_sum + excluded.den_sum, "
                "den_sum_squares = experiment_daily_stats.den_sum_squares + "
                "excluded.den_sum_squares, "
                "cross_sum = experiment_daily_stats.cross_sum + excluded.cross_sum, "
                "pre_sum = experiment_daily_stats.pre_sum + excluded.pre_sum, "
                "pre_sum_squares = experiment_daily_stats.pre_sum_squares + "
                "excluded.pre_sum_squares, "
                "pre_cross_sum = experiment_daily_stats.pre_cross_sum + excluded.pre_cross_sum",
                {experiment, d.variant, d.metric, d.day, d.n, d.sum, d.sum_squares, d.den_sum,
                 d.den_sum_squares, d.cross_sum, d.pre_sum, d.pre_sum_squares, d.pre_cross_sum})
            .status());
  }
  return core::Status::Ok();
}

core::Status ExperimentAggregateRepository::AddCounters(Transaction& tx,
                                                        const std::string& experiment,
                                                        const AggregateCounters& delta) {
  return tx
      .Exec(
          "INSERT INTO experiment_aggregate_counters "
          "(experiment, exposures, multiple_exposure_units) VALUES ($1, $2, $3) "
          "ON CONFLICT (experiment) DO UPDATE SET "
          "exposures = experiment_aggregate_counters.exposures + excluded.exposures, "
          "multiple_exposure_units = experiment_aggregate_counters.multiple_exposure_units + "
          "excluded.multiple_exposure_units",
          {experiment, delta.exposures, delta.multiple_exposure_units})
      .status();
}

core::StatusOr<std::vector<DailyStatsRecord>> ExperimentAggregateRepository::ReadDailyStats(
    Transaction& tx, const std::string& experiment) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("SELECT variant, metric, day, n, sum, sum_squares, den_sum, "
                                    "den_sum_squares, cross_sum, pre_sum, pre_sum_squares, "
                                    "pre_cross_sum FROM experiment_daily_stats "
                                    "WHERE experiment = $1 ORDER BY day, variant, metric",
                                    {experiment}));
  std::vector<DailyStatsRecord> out;
  out.reserve(rs.rows.size());
  for (const Row& r : rs.rows) {
    out.push_back(DailyStatsRecord{r.Text(0), r.Text(1), r.Int(2), r.Int(3), r.Double(4),
                                   r.Double(5), r.Double(6), r.Double(7), r.Double(8), r.Double(9),
                                   r.Double(10), r.Double(11)});
  }
  return out;
}

core::StatusOr<AggregateCounters> ExperimentAggregateRepository::ReadCounters(
    Transaction& tx, const std::string& experiment) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("SELECT exposures, multiple_exposure_units "
                                    "FROM experiment_aggregate_counters WHERE experiment = $1",
                                    {experiment}));
  if (rs.rows.empty()) return AggregateCounters{};
  return AggregateCounters{rs.rows[0].Int(0), rs.rows[0].Int(1)};
}

core::Status ExperimentAggregateRepository::MigrateToKeyOrderedUnits(Transaction& tx,
                                                                     Backend backend) {
  if (backend != Backend::kSqlite) return core::Status::Ok();
  // Renaming a table rewrites the references to it in other tables (foreign keys are on), so
  // the old values point at the old units until both old tables are dropped, the values
  // first: dropping a parent deletes its rows, which would cascade into a child still
  // referencing it.
  for (const char* sql : {
           "ALTER TABLE experiment_unit_values RENAME TO experiment_unit_values_v15",
           "ALTER TABLE experiment_units RENAME TO experiment_units_v15",
           "CREATE TABLE experiment_units ("
           " experiment TEXT NOT NULL REFERENCES experiments(key) ON DELETE CASCADE,"
           " unit TEXT NOT NULL,"
           " variant TEXT NOT NULL,"
           " first_exposure_at BIGINT NOT NULL,"
           " excluded INTEGER NOT NULL DEFAULT 0,"
           " PRIMARY KEY (experiment, unit)) WITHOUT ROWID",
           "INSERT INTO experiment_units (experiment, unit, variant, first_exposure_at, excluded) "
           "SELECT experiment, unit, variant, first_exposure_at, excluded "
           "FROM experiment_units_v15 ORDER BY experiment, unit",
           "CREATE TABLE experiment_unit_values ("
           " experiment TEXT NOT NULL,"
           " unit TEXT NOT NULL,"
           " metric TEXT NOT NULL,"
           " value DOUBLE PRECISION NOT NULL,"
           " denominator DOUBLE PRECISION NOT NULL,"
           " pre_value DOUBLE PRECISION NOT NULL,"
           " PRIMARY KEY (experiment, unit, metric),"
           " FOREIGN KEY (experiment, unit) REFERENCES experiment_units (experiment, unit)"
           " ON DELETE CASCADE) WITHOUT ROWID",
           "INSERT INTO experiment_unit_values "
           "(experiment, unit, metric, value, denominator, pre_value) "
           "SELECT experiment, unit, metric, value, denominator, pre_value "
           "FROM experiment_unit_values_v15 ORDER BY experiment, unit, metric",
           "DROP TABLE experiment_unit_values_v15",
           "DROP TABLE experiment_units_v15",
       }) {
    RETURN_IF_ERROR(tx.Exec(sql).status());
  }
  return core::Status::Ok();
}

}  // namespace gov::store
