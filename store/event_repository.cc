#include "store/event_repository.h"

#include <xxhash.h>

#include <algorithm>
#include <boost/container_hash/hash.hpp>
#include <charconv>
#include <iterator>
#include <map>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "store/internal/pg_array_literal.h"

namespace gov::store {

namespace {

using internal::ArrayLiteral;

// The columns an insert writes on SQLite.
constexpr const char* kSqliteColumns =
    "environment, id, type, name, unit, value, at, received_at, experiment, feature, variant, "
    "properties_json, unit_hash, id_hash";
constexpr size_t kSqliteParamsPerRow = 14;

// Hashes tried per id before giving up (each a different seed: two ids share all of them with
// probability 2^-64 per hash).
constexpr int kIdHashAttempts = 16;

SqlValue Opt(const std::optional<std::string>& v) {
  if (!v) return nullptr;
  return *v;
}

// The multi-row INSERT for 1, 2, 4, ... kSqliteRowsPerStatement rows, built once (each is
// prepared once per connection). OR IGNORE rather than ON CONFLICT (unit_hash, id_hash) DO
// NOTHING: the same rows are skipped (the unique key is the table's only constraint a bound row
// can break: every NOT NULL column is bound from a value), but a statement that can no longer
// abort halfway needs no statement journal, which SQLite otherwise writes for every page a
// multi-row statement changes (the largest share of its file writes before).
const std::map<size_t, std::string>& SqliteInserts() {
  static const std::map<size_t, std::string> kTexts = [] {
    std::map<size_t, std::string> out;
    for (size_t n = 1; n <= EventRepository::kSqliteRowsPerStatement; n *= 2) {
      std::string sql =
          std::string("INSERT OR IGNORE INTO events (") + kSqliteColumns + ") VALUES ";
      size_t p = 1;
      for (size_t r = 0; r < n; ++r) {
        sql += r ? ",(" : "(";
        for (size_t c = 0; c < kSqliteParamsPerRow; ++c, ++p) {
          if (c) sql += ',';
          sql += '$';
          sql += std::to_string(p);
        }
        sql += ')';
      }
      sql += " RETURNING unit_hash, id_hash";
      out.emplace(n, std::move(sql));
    }
    return out;
  }();
  return kTexts;
}

constexpr const char* kPostgresInsertSql =
    "INSERT INTO events (environment, id, type, name, unit, value, at, received_at, experiment, "
    "feature, variant, properties_json, id_hash, unit_hash) "
    "SELECT * FROM unnest(CAST($1 AS text[]), CAST($2 AS text[]), CAST($3 AS text[]), "
    "CAST($4 AS text[]), CAST($5 AS text[]), CAST($6 AS float8[]), CAST($7 AS int8[]), "
    "CAST($8 AS int8[]), CAST($9 AS text[]), CAST($10 AS text[]), CAST($11 AS text[]), "
    "CAST($12 AS text[]), CAST($13 AS int8[]), CAST($14 AS int8[]))";

constexpr const char* kPostgresProbeSql =
    "SELECT e.unit_hash, e.id_hash, e.environment, e.unit, e.id FROM events e "
    "JOIN unnest(CAST($1 AS int8[]), CAST($2 AS int8[])) AS k(unit_hash, id_hash) "
    "ON e.unit_hash = k.unit_hash AND e.id_hash = k.id_hash";

void AppendSqliteParams(const EventRow& e, int64_t unit_hash, int64_t id_hash,
                        std::vector<SqlValue>& params) {
  params.emplace_back(e.environment);
  params.emplace_back(e.id);
  params.emplace_back(e.type);
  params.emplace_back(e.name);
  params.emplace_back(e.unit);
  params.emplace_back(e.value ? SqlValue(*e.value) : SqlValue(nullptr));
  params.emplace_back(e.at_ms);
  params.emplace_back(e.received_at_ms);
  params.emplace_back(Opt(e.experiment));
  params.emplace_back(Opt(e.feature));
  params.emplace_back(Opt(e.variant));
  params.emplace_back(Opt(e.properties_json));
  params.emplace_back(unit_hash);
  params.emplace_back(id_hash);
}

// The rows as the fourteen array parameters of kPostgresInsertSql.
std::vector<SqlValue> PostgresArrays(std::span<const EventRow* const> rows,
                                     std::span<const int64_t> unit_hashes,
                                     std::span<const int64_t> id_hashes) {
  const size_t n = rows.size();
  ArrayLiteral environment(n * 13), id(n * 40), type(n * 10), name(n * 16), unit(n * 24),
      value(n * 8), at(n * 15), received_at(n * 15), experiment(n * 8), feature(n * 8),
      variant(n * 8), properties(n * 8), id_hash(n * 21), unit_hash(n * 21);
  for (size_t i = 0; i < n; ++i) {
    const EventRow& e = *rows[i];
    environment.Text(std::string_view(e.environment));
    id.Text(std::string_view(e.id));
    type.Text(std::string_view(e.type));
    name.Text(std::string_view(e.name));
    unit.Text(std::string_view(e.unit));
    value.Double(e.value);
    at.Int(e.at_ms);
    received_at.Int(e.received_at_ms);
    experiment.Text(e.experiment);
    feature.Text(e.feature);
    variant.Text(e.variant);
    properties.Text(e.properties_json);
    id_hash.Int(id_hashes[i]);
    unit_hash.Int(unit_hashes[i]);
  }
  return {environment.Take(), id.Take(),       type.Take(),    name.Take(),
          unit.Take(),        value.Take(),    at.Take(),      received_at.Take(),
          experiment.Take(),  feature.Take(),  variant.Take(), properties.Take(),
          id_hash.Take(),     unit_hash.Take()};
}

// An event's key in the unique index: its unit's hash and its id's hash.
using HashKey = std::pair<int64_t, int64_t>;
using HashKeyHash = boost::hash<HashKey>;
// The full key of an event: environment, unit, id.
struct StoredKey {
  std::string environment, unit, id;
};

// The stored full key of each hash key in a probe's answer (unit_hash, id_hash, environment,
// unit, id).
std::unordered_map<HashKey, StoredKey, HashKeyHash> KeysByHash(const std::vector<Row>& rows) {
  std::unordered_map<HashKey, StoredKey, HashKeyHash> out;
  out.reserve(rows.size());
  for (const Row& r : rows) {
    out.emplace(HashKey{r.Int(0), r.Int(1)}, StoredKey{r.Text(2), r.Text(3), r.Text(4)});
  }
  return out;
}

bool SameKey(const StoredKey& key, const EventRow& row) {
  return key.environment == row.environment && key.unit == row.unit && key.id == row.id;
}
bool SameKey(const EventRow& a, const EventRow& b) {
  return a.environment == b.environment && a.unit == b.unit && a.id == b.id;
}

// Where each row of a batch stands in its chain of id hashes, and which rows are new.
struct IdChains {
  explicit IdChains(std::span<const EventRow> batch)
      : rows(batch),
        unit_hashes(batch.size()),
        hashes(batch.size()),
        attempts(batch.size(), 0),
        pending(batch.size()),
        fresh(batch.size(), false) {
    for (size_t i = 0; i < rows.size(); ++i) {
      unit_hashes[i] = EventUnitHash(rows[i].environment, rows[i].unit);
      hashes[i] = EventIdHash(rows[i].environment, rows[i].id);
      pending[i] = i;
    }
  }
  HashKey Key(size_t i) const { return {unit_hashes[i], hashes[i]}; }
  // Moves row i to the next hash of its chain.
  core::Status Next(size_t i) {
    if (++attempts[i] >= kIdHashAttempts) {
      return core::Internal("no free id hash for event \"" + rows[i].id + "\"");
    }
    hashes[i] = EventIdHash(rows[i].environment, rows[i].id, attempts[i]);
    return core::Status::Ok();
  }

  std::span<const EventRow> rows;
  std::vector<int64_t> unit_hashes;
  std::vector<int64_t> hashes;
  std::vector<int> attempts;
  std::vector<size_t> pending;  // the rows whose hash is not settled yet (at first, all)
  std::vector<bool> fresh;
};

// SQLite (one writer at a time, so a taken key is never a race): each round inserts the
// pending rows with INSERT OR IGNORE ... RETURNING; a row
// whose key is taken is a repeat when the row holding it has its environment, unit and id
// (stored earlier, or earlier in `rows`), else it moves on to the next hash of its chain.
core::StatusOr<std::vector<bool>> InsertSqlite(Transaction& tx, std::span<const EventRow> rows) {
  IdChains c(rows);
  std::vector<SqlValue> params;
  while (!c.pending.empty()) {
    // Rows are inserted in order, so of several pending rows with a key the first is the one
    // RETURNING reports.
    std::unordered_multiset<HashKey, HashKeyHash> inserted;
    for (size_t done = 0; done < c.pending.size();) {
      size_t n = EventRepository::kSqliteRowsPerStatement;
      while (n > c.pending.size() - done) n /= 2;
      params.clear();
      params.reserve(n * kSqliteParamsPerRow);
      for (size_t k = done; k < done + n; ++k) {
        const size_t i = c.pending[k];
        AppendSqliteParams(rows[i], c.unit_hashes[i], c.hashes[i], params);
      }
      ASSIGN_OR_RETURN(ResultSet rs, tx.Exec(SqliteInserts().at(n), params));
      for (const Row& r : rs.rows) inserted.insert(HashKey{r.Int(0), r.Int(1)});
      done += n;
    }
    std::vector<size_t> conflicted;
    for (size_t i : c.pending) {
      auto it = inserted.find(c.Key(i));
      if (it != inserted.end()) {
        inserted.erase(it);
        c.fresh[i] = true;
      } else {
        conflicted.push_back(i);
      }
    }
    c.pending.clear();
    for (size_t i : conflicted) {
      ASSIGN_OR_RETURN(ResultSet stored,
                       tx.Exec("SELECT unit_hash, id_hash, environment, unit, id FROM events "
                               "WHERE unit_hash = $1 AND id_hash = $2",
                               {c.unit_hashes[i], c.hashes[i]}));
      const auto keys = KeysByHash(stored.rows);
      auto it = keys.find(c.Key(i));
      if (it != keys.end() && SameKey(it->second, rows[i])) continue;  // a repeat
      RETURN_IF_ERROR(c.Next(i));
      c.pending.push_back(i);
    }
  }
  return std::move(c.fresh);
}

// PostgreSQL: the key each row takes is settled first (probing the stored rows for the
// batch's (unit_hash, id_hash) pairs, and the rows before it in the batch), then the new rows
// are stored with one plain INSERT (cheaper than ON CONFLICT's speculative insertion). A
// concurrent writer of the same key makes the INSERT wait for it and then fail with a unique
// violation (kAlreadyExists): the caller runs the transaction again, and the probe then sees
// that row.
core::StatusOr<std::vector<bool>> InsertPostgres(Transaction& tx, std::span<const EventRow> rows) {
  IdChains c(rows);
  // key -> the row of `rows` taking it
  std::unordered_map<HashKey, size_t, HashKeyHash> claimed;
  claimed.reserve(rows.size());
  while (!c.pending.empty()) {
    ArrayLiteral probe_units(c.pending.size() * 21), probe_ids(c.pending.size() * 21);
    for (size_t i : c.pending) {
      probe_units.Int(c.unit_hashes[i]);
      probe_ids.Int(c.hashes[i]);
    }
    ASSIGN_OR_RETURN(ResultSet stored,
                     tx.Exec(kPostgresProbeSql, {probe_units.Take(), probe_ids.Take()}));
    const auto keys = KeysByHash(stored.rows);
    std::vector<size_t> next;
    for (size_t i : c.pending) {
      const HashKey key = c.Key(i);
      if (auto s = keys.find(key); s != keys.end()) {
        if (SameKey(s->second, rows[i])) continue;  // stored already
        RETURN_IF_ERROR(c.Next(i));
        next.push_back(i);
        continue;
      }
      if (auto taken = claimed.find(key); taken != claimed.end()) {
        if (SameKey(rows[taken->second], rows[i])) continue;
        RETURN_IF_ERROR(c.Next(i));
        next.push_back(i);
        continue;
      }
      claimed.emplace(key, i);
      c.fresh[i] = true;
    }
    c.pending = std::move(next);
  }
  std::vector<const EventRow*> to_insert;
  std::vector<int64_t> insert_units, insert_ids;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!c.fresh[i]) continue;
    to_insert.push_back(&rows[i]);
    insert_units.push_back(c.unit_hashes[i]);
    insert_ids.push_back(c.hashes[i]);
  }
  if (!to_insert.empty()) {
    RETURN_IF_ERROR(
        tx.Exec(kPostgresInsertSql, PostgresArrays(to_insert, insert_units, insert_ids)).status());
  }
  return std::move(c.fresh);
}

std::vector<EventRow> RowsToEvents(const ResultSet& rs) {
  std::vector<EventRow> out;
  out.reserve(rs.rows.size());
  for (const Row& r : rs.rows) {
    EventRow e;
    e.seq = r.Int(0);
    e.environment = r.Text(1);
    e.id = r.Text(2);
    e.type = r.Text(3);
    e.name = r.Text(4);
    e.unit = r.Text(5);
    if (!r.IsNull(6)) e.value = r.Double(6);
    e.at_ms = r.Int(7);
    e.received_at_ms = r.Int(8);
    e.experiment = r.OptText(9);
    e.feature = r.OptText(10);
    e.variant = r.OptText(11);
    e.properties_json = r.OptText(12);
    out.push_back(std::move(e));
  }
  return out;
}

constexpr const char* kSelect =
    "SELECT seq, environment, id, type, name, unit, value, at, received_at, experiment, "
    "feature, variant, properties_json FROM events ";

}  // namespace

core::Status EventRepository::PrepareWriter(Transaction& tx, Backend backend) {
  if (backend != Backend::kPostgres) return core::Status::Ok();
  // This transaction plans its statements without sequential scans: the probe for stored ids
  // must use the id_hash index however few rows the planner believes the table has (a new
  // table is never analyzed until autovacuum gets to it, and a prepared statement's generic
  // plan made then would scan the whole table on every later batch).
  return tx.Exec("SELECT set_config('enable_seqscan', 'off', true)").status();
}

int64_t EventIdHash(std::string_view environment, std::string_view id, int attempt) {
  const uint64_t seed = XXH3_64bits(environment.data(), environment.size()) +
                        static_cast<uint64_t>(attempt) * 0x9e3779b97f4a7c15ULL;
  return static_cast<int64_t>(XXH3_64bits_withSeed(id.data(), id.size(), seed));
}

int64_t EventUnitHash(std::string_view environment, std::string_view unit) {
  return static_cast<int64_t>(XXH3_64bits_withSeed(
      unit.data(), unit.size(), ~XXH3_64bits(environment.data(), environment.size())));
}

core::StatusOr<std::vector<bool>> EventRepository::Insert(Transaction& tx, Backend backend,
                                                          std::span<const EventRow> rows) {
  if (rows.empty()) return std::vector<bool>{};
  return backend == Backend::kSqlite ? InsertSqlite(tx, rows) : InsertPostgres(tx, rows);
}

core::StatusOr<std::vector<EventRow>> EventRepository::ReadAfter(Transaction& tx, int64_t after_seq,
                                                                 int64_t limit) {
  ASSIGN_OR_RETURN(
      ResultSet rs,
      tx.Exec(std::string(kSelect) + "WHERE seq > $1 ORDER BY seq LIMIT $2", {after_seq, limit}));
  return RowsToEvents(rs);
}

core::StatusOr<std::vector<EventRow>> EventRepository::ReadUnit(Transaction& tx,
                                                                const std::string& environment,
                                                                const std::string& unit,
                                                                int64_t before_seq) {
  ASSIGN_OR_RETURN(
      ResultSet rs,
      tx.Exec(std::string(kSelect) + "WHERE unit_hash = $1 AND seq < $2 AND environment = $3 AND "
                                     "unit = $4 ORDER BY seq",
              {EventUnitHash(environment, unit), before_seq, environment, unit}));
  return RowsToEvents(rs);
}

core::StatusOr<int64_t> EventRepository::Count(Transaction& tx, const std::string& environment) {
  if (environment.empty()) {
    ASSIGN_OR_RETURN(ResultSet rs, tx.Exec("SELECT COUNT(*) FROM events"));
    return rs.rows.at(0).Int(0);
  }
  ASSIGN_OR_RETURN(ResultSet rs,
                   tx.Exec("SELECT COUNT(*) FROM events WHERE environment = $1", {environment}));
  return rs.rows.at(0).Int(0);
}

core::StatusOr<int64_t> EventRepository::MaxSeq(Transaction& tx) {
  ASSIGN_OR_RETURN(ResultSet rs, tx.Exec("SELECT COALESCE(MAX(seq), 0) FROM events"));
  return rs.rows.at(0).Int(0);
}

core::Status EventRepository::MigrateToHashedKeys(Transaction& tx, Backend backend) {
  const bool sqlite = backend == Backend::kSqlite;
  RETURN_IF_ERROR(tx.Exec(sqlite ? "ALTER TABLE events ADD COLUMN unit_hash INTEGER NOT NULL "
                                   "DEFAULT 0"
                                 : "ALTER TABLE events ADD COLUMN id_hash BIGINT, "
                                   "ADD COLUMN unit_hash BIGINT")
                      .status());
  // The hashes of the events stored so far, a page at a time.
  constexpr int64_t kPage = 1000;
  for (int64_t after = 0;;) {
    ASSIGN_OR_RETURN(ResultSet rs, tx.Exec("SELECT seq, environment, id, unit FROM events "
                                           "WHERE seq > $1 ORDER BY seq LIMIT $2",
                                           {after, kPage}));
    if (rs.rows.empty()) break;
    ArrayLiteral seqs(rs.rows.size() * 8), id_hashes(rs.rows.size() * 21),
        unit_hashes(rs.rows.size() * 21);
    for (const Row& r : rs.rows) {
      after = r.Int(0);
      const std::string environment = r.Text(1);
      if (sqlite) {
        RETURN_IF_ERROR(tx.Exec("UPDATE events SET unit_hash = $1 WHERE seq = $2",
                                {EventUnitHash(environment, r.Text(3)), after})
                            .status());
        continue;
      }
      seqs.Int(after);
      id_hashes.Int(EventIdHash(environment, r.Text(2)));
      unit_hashes.Int(EventUnitHash(environment, r.Text(3)));
    }
    if (sqlite) continue;
    RETURN_IF_ERROR(tx.Exec("UPDATE events SET id_hash = x.id_hash, unit_hash = x.unit_hash "
                            "FROM unnest(CAST($1 AS int8[]), CAST($2 AS int8[]), "
                            "CAST($3 AS int8[])) AS x(seq, id_hash, unit_hash) "
                            "WHERE events.seq = x.seq",
                            {seqs.Take(), id_hashes.Take(), unit_hashes.Take()})
                        .status());
  }
  std::vector<const char*> statements = {
      "DROP INDEX events_unit", "CREATE INDEX events_unit_hash ON events (unit_hash, seq)"};
  if (!sqlite) {
    statements.insert(statements.end(),
                      {"ALTER TABLE events ALTER COLUMN id_hash SET NOT NULL, "
                       "ALTER COLUMN unit_hash SET NOT NULL",
                       "ALTER TABLE events DROP CONSTRAINT events_environment_id_key",
                       "CREATE INDEX events_id_hash ON events (id_hash)"});
  }
  for (const char* sql : statements) RETURN_IF_ERROR(tx.Exec(sql).status());
  return core::Status::Ok();
}

core::Status EventRepository::MigrateToUniqueIdHash(Transaction& tx, Backend backend) {
  RETURN_IF_ERROR(tx.Exec("ALTER TABLE experiment_aggregation_cursor ADD COLUMN last_xid BIGINT "
                          "NOT NULL DEFAULT 0")
                      .status());
  if (backend == Backend::kPostgres) {
    // Two stored ids sharing a hash (never seen; possible) would fail the unique index: the
    // later one moves to the next free hash of its chain.
    ASSIGN_OR_RETURN(ResultSet shared, tx.Exec("SELECT seq, environment, id, id_hash FROM events "
                                               "WHERE id_hash IN (SELECT id_hash FROM events "
                                               "GROUP BY id_hash HAVING COUNT(*) > 1) "
                                               "ORDER BY id_hash, seq"));
    for (size_t k = 1; k < shared.rows.size(); ++k) {
      const Row& r = shared.rows[k];
      if (r.Int(3) != shared.rows[k - 1].Int(3)) continue;  // the first of its hash stays
      for (int attempt = 1;; ++attempt) {
        if (attempt >= kIdHashAttempts) return core::Internal("no free id hash for " + r.Text(2));
        const int64_t h = EventIdHash(r.Text(1), r.Text(2), attempt);
        ASSIGN_OR_RETURN(ResultSet taken, tx.Exec("SELECT 1 FROM events WHERE id_hash = $1", {h}));
        if (!taken.rows.empty()) continue;
        RETURN_IF_ERROR(
            tx.Exec("UPDATE events SET id_hash = $1 WHERE seq = $2", {h, r.Int(0)}).status());
        break;
      }
    }
    for (const char* sql : {
             "DROP INDEX events_id_hash",
             "CREATE UNIQUE INDEX events_id_hash ON events (id_hash)",
             "ALTER TABLE events ADD COLUMN xid BIGINT NOT NULL DEFAULT 0",
             "ALTER TABLE events ALTER COLUMN xid SET DEFAULT "
             "CAST(CAST(pg_current_xact_id() AS text) AS bigint)",
             "CREATE INDEX events_order ON events (xid, seq)",
         }) {
      RETURN_IF_ERROR(tx.Exec(sql).status());
    }
    return core::Status::Ok();
  }
  // SQLite cannot drop a table's UNIQUE constraint: the table is copied into one without it.
  RETURN_IF_ERROR(tx.Exec("CREATE TABLE events_v14 ("
                          " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
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
                          " unit_hash INTEGER NOT NULL DEFAULT 0,"
                          " id_hash INTEGER NOT NULL UNIQUE)")
                      .status());
  constexpr int64_t kPage = 1000;
  for (int64_t after = 0;;) {
    ASSIGN_OR_RETURN(ResultSet rs,
                     tx.Exec("SELECT seq, environment, id, type, name, unit, value, at, "
                             "received_at, experiment, feature, variant, properties_json, "
                             "unit_hash FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
                             {after, kPage}));
    if (rs.rows.empty()) break;
    for (const Row& r : rs.rows) {
      after = r.Int(0);
      std::vector<SqlValue> params = {r.Int(0),  r.Text(1), r.Text(2),
                                      r.Text(3), r.Text(4), r.Text(5)};
      params.emplace_back(r.IsNull(6) ? SqlValue(nullptr) : SqlValue(r.Double(6)));
      params.emplace_back(r.Int(7));
      params.emplace_back(r.Int(8));
      for (int c = 9; c <= 12; ++c) params.emplace_back(Opt(r.OptText(c)));
      params.emplace_back(r.Int(13));
      params.emplace_back(int64_t{0});
      for (int attempt = 0;; ++attempt) {
        if (attempt >= kIdHashAttempts) return core::Internal("no free id hash for " + r.Text(2));
        params.back() = EventIdHash(r.Text(1), r.Text(2), attempt);
        ASSIGN_OR_RETURN(ResultSet inserted,
                         tx.Exec("INSERT INTO events_v14 (seq, environment, id, type, name, "
                                 "unit, value, at, received_at, experiment, feature, variant, "
                                 "properties_json, unit_hash, id_hash) VALUES ($1, $2, $3, $4, "
                                 "$5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) "
                                 "ON CONFLICT (id_hash) DO NOTHING",
                                 params));
        if (inserted.affected_rows == 1) break;
      }
    }
  }
  for (const char* sql : {
           // AUTOINCREMENT's counter moves with the rows, so no seq is ever drawn twice.
           "DELETE FROM sqlite_sequence WHERE name = 'events_v14'",
           "INSERT INTO sqlite_sequence (name, seq) SELECT 'events_v14', seq FROM sqlite_sequence "
           "WHERE name = 'events'",
           "DROP TABLE events",
           "ALTER TABLE events_v14 RENAME TO events",
           "CREATE INDEX events_unit_hash ON events (unit_hash, seq)",
           "CREATE INDEX events_experiment ON events (experiment, seq) "
           "WHERE experiment IS NOT NULL",
       }) {
    RETURN_IF_ERROR(tx.Exec(sql).status());
  }
  return core::Status::Ok();
}

core::Status EventRepository::MigrateToUnitIdKey(Transaction& tx, Backend backend) {
  if (backend == Backend::kSqlite) {
    // SQLite cannot drop a column's UNIQUE: the table is copied into one without it, every
    // seq kept and the AUTOINCREMENT counter moved with the rows.
    for (const char* sql : {
             "CREATE TABLE events_v15 ("
             " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
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
             " unit_hash INTEGER NOT NULL,"
             " id_hash INTEGER NOT NULL)",
             "INSERT INTO events_v15 (seq, environment, id, type, name, unit, value, at, "
             "received_at, experiment, feature, variant, properties_json, unit_hash, id_hash) "
             "SELECT seq, environment, id, type, name, unit, value, at, received_at, "
             "experiment, feature, variant, properties_json, unit_hash, id_hash FROM events "
             "ORDER BY seq",
             "DELETE FROM sqlite_sequence WHERE name = 'events_v15'",
             "INSERT INTO sqlite_sequence (name, seq) SELECT 'events_v15', seq "
             "FROM sqlite_sequence WHERE name = 'events'",
             "DROP TABLE events",
             "ALTER TABLE events_v15 RENAME TO events",
             "CREATE INDEX events_experiment ON events (experiment, seq) "
             "WHERE experiment IS NOT NULL",
         }) {
      RETURN_IF_ERROR(tx.Exec(sql).status());
    }
  } else {
    RETURN_IF_ERROR(tx.Exec("DROP INDEX events_id_hash").status());
    RETURN_IF_ERROR(tx.Exec("DROP INDEX events_unit_hash").status());
  }
  // Id hashes were unique on their own, so every (unit_hash, id_hash) pair is too.
  RETURN_IF_ERROR(
      tx.Exec("CREATE UNIQUE INDEX events_unit_id ON events (unit_hash, id_hash)").status());
  // An id that had moved along its chain because another id held its hash (in any unit) now
  // takes the first hash of its chain that is free in its own unit, where a repeat of it will
  // look first.
  struct Moved {
    int64_t seq, unit_hash, id_hash;
    std::string environment, id;
  };
  constexpr int64_t kPage = 10000;
  std::vector<Moved> moved;
  for (int64_t after = 0;;) {
    ASSIGN_OR_RETURN(ResultSet rs,
                     tx.Exec("SELECT seq, environment, id, unit_hash, id_hash FROM events "
                             "WHERE seq > $1 ORDER BY seq LIMIT $2",
                             {after, kPage}));
    if (rs.rows.empty()) break;
    for (const Row& r : rs.rows) {
      after = r.Int(0);
      if (r.Int(4) == EventIdHash(r.Text(1), r.Text(2))) continue;
      moved.push_back({after, r.Int(3), r.Int(4), r.Text(1), r.Text(2)});
    }
  }
  for (const Moved& row : moved) {
    for (int attempt = 0;; ++attempt) {
      if (attempt >= kIdHashAttempts) return core::Internal("no free id hash for " + row.id);
      const int64_t h = EventIdHash(row.environment, row.id, attempt);
      if (h == row.id_hash) break;
      ASSIGN_OR_RETURN(ResultSet taken,
                       tx.Exec("SELECT 1 FROM events WHERE unit_hash = $1 AND id_hash = $2",
                               {row.unit_hash, h}));
      if (!taken.rows.empty()) continue;
      RETURN_IF_ERROR(
          tx.Exec("UPDATE events SET id_hash = $1 WHERE seq = $2", {h, row.seq}).status());
      break;
    }
  }
  return core::Status::Ok();
}

core::Status SqlEventStore::PrepareWriter(Transaction& tx) {
  return EventRepository::PrepareWriter(tx, backend_);
}

core::StatusOr<std::vector<bool>> SqlEventStore::Insert(Transaction& tx,
                                                        std::span<const EventRow> rows) {
  return EventRepository::Insert(tx, backend_, rows);
}

core::StatusOr<std::vector<EventRow>> SqlEventStore::ReadAfter(Transaction& tx, int64_t after_seq,
                                                               int64_t limit) {
  return EventRepository::ReadAfter(tx, after_seq, limit);
}

core::StatusOr<std::vector<EventRow>> SqlEventStore::ReadUnit(Transaction& tx,
                                                              const std::string& environment,
                                                              const std::string& unit,
                                                              int64_t before_seq) {
  return EventRepository::ReadUnit(tx, environment, unit, before_seq);
}

core::StatusOr<int64_t> SqlEventStore::Count(Transaction& tx, const std::string& environment) {
  return EventRepository::Count(tx, environment);
}

core::StatusOr<int64_t> SqlEventStore::MaxSeq(Transaction& tx) {
  return EventRepository::MaxSeq(tx);
}

}  // namespace gov::store
