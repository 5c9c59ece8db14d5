#include "store/event_repository.h"

#include <xxhash.h>

#include <charconv>
#include <iterator>
#include <map>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace gov::store {

namespace {

// Any fixed key: only event writers take it ("gov_evts").
constexpr int64_t kEventWriterLockKey = 0x676f765f65767473;

// The columns an insert writes on SQLite (unit_hash is its last; PostgreSQL adds id_hash).
constexpr const char* kSqliteColumns =
    "environment, id, type, name, unit, value, at, received_at, experiment, feature, variant, "
    "properties_json, unit_hash";
constexpr size_t kSqliteParamsPerRow = 13;

SqlValue Opt(const std::optional<std::string>& v) {
  if (!v) return nullptr;
  return *v;
}

// The multi-row INSERT for 1, 2, 4, ... kSqliteRowsPerStatement rows, built once (each is
// prepared once per connection).
const std::map<size_t, std::string>& SqliteInserts() {
  static const std::map<size_t, std::string> kTexts = [] {
    std::map<size_t, std::string> out;
    for (size_t n = 1; n <= EventRepository::kSqliteRowsPerStatement; n *= 2) {
      std::string sql = std::string("INSERT INTO events (") + kSqliteColumns + ") VALUES ";
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
      sql += " ON CONFLICT (environment, id) DO NOTHING RETURNING environment, id";
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
    "SELECT id_hash, environment, id FROM events WHERE id_hash = ANY(CAST($1 AS int8[]))";

void AppendSqliteParams(const EventRow& e, std::vector<SqlValue>& params) {
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
  params.emplace_back(EventUnitHash(e.environment, e.unit));
}

// PostgreSQL array literals ('{...}'), built column by column: text elements quoted with
// '"' and '\' escaped, NULL for a missing value, numbers in their shortest exact form.
class ArrayLiteral {
 public:
  explicit ArrayLiteral(size_t reserve) {
    out_.reserve(reserve);
    out_ += '{';
  }
  void Text(std::string_view v) {
    Sep();
    out_ += '"';
    for (char c : v) {
      if (c == '"' || c == '\\') out_ += '\\';
      out_ += c;
    }
    out_ += '"';
  }
  void Text(const std::optional<std::string>& v) {
    if (v) {
      Text(std::string_view(*v));
    } else {
      Null();
    }
  }
  void Int(int64_t v) {
    Sep();
    char buf[24];
    out_.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  }
  void Double(const std::optional<double>& v) {
    if (!v) return Null();
    Sep();
    char buf[32];
    out_.append(buf, std::to_chars(buf, buf + sizeof buf, *v).ptr);
  }
  void Null() {
    Sep();
    out_ += "NULL";
  }
  std::string Take() {
    out_ += '}';
    return std::move(out_);
  }

 private:
  void Sep() {
    if (out_.size() > 1) out_ += ',';
  }
  std::string out_;
};

// The rows as the fourteen array parameters of kPostgresInsertSql.
std::vector<SqlValue> PostgresArrays(std::span<const EventRow* const> rows,
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
    unit_hash.Int(EventUnitHash(e.environment, e.unit));
  }
  return {environment.Take(), id.Take(),       type.Take(),    name.Take(),
          unit.Take(),        value.Take(),    at.Take(),      received_at.Take(),
          experiment.Take(),  feature.Take(),  variant.Take(), properties.Take(),
          id_hash.Take(),     unit_hash.Take()};
}

// Which rows to store: not already stored (by the probe's answer, `stored`: id hash,
// environment, id) and not a repeat of an earlier row of `rows`. Hashes only narrow the
// search; keys are compared in full.
std::vector<bool> FreshRows(std::span<const EventRow> rows, std::span<const int64_t> id_hashes,
                            const std::vector<Row>& stored) {
  std::unordered_multimap<int64_t, std::pair<std::string, std::string>> stored_keys;
  for (const Row& r : stored) stored_keys.emplace(r.Int(0), std::pair{r.Text(1), r.Text(2)});
  std::vector<bool> fresh(rows.size(), false);
  std::unordered_multimap<int64_t, size_t> earlier;
  earlier.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const EventRow& e = rows[i];
    bool duplicate = false;
    auto [s, s_end] = stored_keys.equal_range(id_hashes[i]);
    for (; s != s_end && !duplicate; ++s) {
      duplicate = s->second.first == e.environment && s->second.second == e.id;
    }
    auto [b, b_end] = earlier.equal_range(id_hashes[i]);
    for (; b != b_end && !duplicate; ++b) {
      duplicate = rows[b->second].environment == e.environment && rows[b->second].id == e.id;
    }
    if (duplicate) continue;
    fresh[i] = true;
    earlier.emplace(id_hashes[i], i);
  }
  return fresh;
}

// Which of `rows` the RETURNING (environment, id) rows `returned` are, as flags. The database
// returns them in insertion order, which is the order of `rows`, so one merge walk matches
// them; should a backend ever return them otherwise, a lookup by key does. The first
// occurrence of a key in `rows` is the one stored; later ones are duplicates.
std::vector<bool> MatchReturned(std::span<const EventRow> rows, const std::vector<Row>& returned) {
  std::vector<bool> fresh(rows.size(), false);
  size_t next = 0;
  bool in_order = true;
  for (const Row& r : returned) {
    const std::string env = r.Text(0);
    const std::string id = r.Text(1);
    while (next < rows.size() && (rows[next].id != id || rows[next].environment != env)) ++next;
    if (next == rows.size()) {
      in_order = false;
      break;
    }
    fresh[next++] = true;
  }
  if (in_order) return fresh;
  std::unordered_set<std::string> inserted;
  for (const Row& r : returned) inserted.insert(r.Text(0) + '\0' + r.Text(1));
  fresh.assign(rows.size(), false);
  for (size_t i = 0; i < rows.size(); ++i) {
    if (inserted.erase(rows[i].environment + '\0' + rows[i].id)) fresh[i] = true;
  }
  return fresh;
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

core::Status EventRepository::WriterLock(Transaction& tx, Backend backend) {
  if (backend != Backend::kPostgres) return core::Status::Ok();
  // With the lock, this transaction plans its statements without sequential scans: the probe
  // for stored ids must use the id_hash index however few rows the planner believes the table
  // has (a new table is never analyzed until autovacuum gets to it, and a prepared statement's
  // generic plan made then would scan the whole table on every later batch).
  return tx
      .Exec("SELECT pg_advisory_xact_lock($1), set_config('enable_seqscan', 'off', true)",
            {kEventWriterLockKey})
      .status();
}

int64_t EventIdHash(std::string_view environment, std::string_view id) {
  return static_cast<int64_t>(XXH3_64bits_withSeed(
      id.data(), id.size(), XXH3_64bits(environment.data(), environment.size())));
}

int64_t EventUnitHash(std::string_view environment, std::string_view unit) {
  return static_cast<int64_t>(XXH3_64bits_withSeed(
      unit.data(), unit.size(), ~XXH3_64bits(environment.data(), environment.size())));
}

core::StatusOr<std::vector<bool>> EventRepository::Insert(Transaction& tx, Backend backend,
                                                          std::span<const EventRow> rows) {
  if (rows.empty()) return std::vector<bool>{};
  if (backend == Backend::kSqlite) {
    std::vector<Row> returned;
    std::vector<SqlValue> params;
    for (size_t done = 0; done < rows.size();) {
      size_t n = kSqliteRowsPerStatement;
      while (n > rows.size() - done) n /= 2;
      params.clear();
      params.reserve(n * kSqliteParamsPerRow);
      for (size_t i = done; i < done + n; ++i) AppendSqliteParams(rows[i], params);
      ASSIGN_OR_RETURN(ResultSet rs, tx.Exec(SqliteInserts().at(n), params));
      std::move(rs.rows.begin(), rs.rows.end(), std::back_inserter(returned));
      done += n;
    }
    return MatchReturned(rows, returned);
  }
  std::vector<int64_t> id_hashes(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    id_hashes[i] = EventIdHash(rows[i].environment, rows[i].id);
  }
  // The stored rows whose id hash one of `rows` has (almost always none).
  ArrayLiteral probe(rows.size() * 21);
  for (int64_t h : id_hashes) probe.Int(h);
  ASSIGN_OR_RETURN(ResultSet stored, tx.Exec(kPostgresProbeSql, {probe.Take()}));
  std::vector<bool> fresh = FreshRows(rows, id_hashes, stored.rows);
  std::vector<const EventRow*> to_insert;
  std::vector<int64_t> insert_id_hashes;
  to_insert.reserve(rows.size());
  insert_id_hashes.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!fresh[i]) continue;
    to_insert.push_back(&rows[i]);
    insert_id_hashes.push_back(id_hashes[i]);
  }
  if (!to_insert.empty()) {
    RETURN_IF_ERROR(
        tx.Exec(kPostgresInsertSql, PostgresArrays(to_insert, insert_id_hashes)).status());
  }
  return fresh;
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

core::Status SqlEventStore::WriterLock(Transaction& tx) {
  return EventRepository::WriterLock(tx, backend_);
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
