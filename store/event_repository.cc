#include "store/event_repository.h"

#include <iterator>
#include <map>
#include <unordered_set>
#include <utility>

#include "core/json_writer.h"

namespace gov::store {

namespace {

// Any fixed key: only event writers take it ("gov_evts").
constexpr int64_t kEventWriterLockKey = 0x676f765f65767473;

constexpr const char* kColumns =
    "environment, id, type, name, unit, value, at, received_at, experiment, feature, variant, "
    "properties_json";
constexpr size_t kParamsPerRow = 12;

SqlValue Opt(const std::optional<std::string>& v) {
  if (!v) return nullptr;
  return *v;
}

// The multi-row INSERT for `rows` rows (SQLite).
std::string SqliteInsertSql(size_t rows) {
  std::string sql = std::string("INSERT INTO events (") + kColumns + ") VALUES ";
  size_t p = 1;
  for (size_t r = 0; r < rows; ++r) {
    sql += r ? ",(" : "(";
    for (size_t c = 0; c < kParamsPerRow; ++c, ++p) {
      if (c) sql += ',';
      sql += '$';
      sql += std::to_string(p);
    }
    sql += ')';
  }
  sql += " ON CONFLICT (environment, id) DO NOTHING RETURNING environment, id";
  return sql;
}

// The statement text for `rows` rows, built once per size (sizes are powers of two up to
// kSqliteRowsPerStatement, so at most nine texts, each prepared once per connection).
const std::string& SqliteInsertSqlCached(size_t rows) {
  static const std::map<size_t, std::string> kTexts = [] {
    std::map<size_t, std::string> out;
    for (size_t n = 1; n <= EventRepository::kSqliteRowsPerStatement; n *= 2) {
      out.emplace(n, SqliteInsertSql(n));
    }
    return out;
  }();
  return kTexts.at(rows);
}

constexpr const char* kPostgresInsertSql =
    "INSERT INTO events (environment, id, type, name, unit, value, at, received_at, experiment, "
    "feature, variant, properties_json) "
    "SELECT environment, id, type, name, unit, value, at, received_at, experiment, feature, "
    "variant, properties_json "
    "FROM json_to_recordset(CAST($1 AS json)) AS x(environment text, id text, type text, "
    "name text, unit text, value double precision, at bigint, received_at bigint, "
    "experiment text, feature text, variant text, properties_json text) "
    "ON CONFLICT (environment, id) DO NOTHING RETURNING environment, id";

void AppendParams(const EventRow& e, std::vector<SqlValue>& params) {
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
}

// The rows as the JSON array json_to_recordset reads.
std::string RowsJson(std::span<const EventRow> rows) {
  std::string out;
  out.reserve(rows.size() * 256);
  core::JsonWriter w(out);
  auto opt = [&w](std::string_view key, const std::optional<std::string>& v) {
    w.Key(key);
    if (v) {
      w.String(*v);
    } else {
      w.Null();
    }
  };
  w.BeginArray();
  for (const EventRow& e : rows) {
    w.BeginObject();
    w.Key("environment").String(e.environment).Key("id").String(e.id);
    w.Key("type").String(e.type).Key("name").String(e.name).Key("unit").String(e.unit);
    w.Key("value");
    if (e.value) {
      w.Double(*e.value);
    } else {
      w.Null();
    }
    w.Key("at").Int(e.at_ms).Key("received_at").Int(e.received_at_ms);
    opt("experiment", e.experiment);
    opt("feature", e.feature);
    opt("variant", e.variant);
    opt("properties_json", e.properties_json);
    w.EndObject();
  }
  w.EndArray();
  return out;
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
  return tx.Exec("SELECT pg_advisory_xact_lock($1)", {kEventWriterLockKey}).status();
}

core::StatusOr<std::vector<bool>> EventRepository::Insert(Transaction& tx, Backend backend,
                                                          std::span<const EventRow> rows) {
  std::vector<Row> returned;
  if (backend == Backend::kPostgres) {
    if (!rows.empty()) {
      ASSIGN_OR_RETURN(ResultSet rs, tx.Exec(kPostgresInsertSql, {RowsJson(rows)}));
      returned = std::move(rs.rows);
    }
  } else {
    std::vector<SqlValue> params;
    size_t done = 0;
    while (done < rows.size()) {
      size_t n = kSqliteRowsPerStatement;
      while (n > rows.size() - done) n /= 2;
      params.clear();
      params.reserve(n * kParamsPerRow);
      for (size_t i = done; i < done + n; ++i) AppendParams(rows[i], params);
      ASSIGN_OR_RETURN(ResultSet rs, tx.Exec(SqliteInsertSqlCached(n), params));
      std::move(rs.rows.begin(), rs.rows.end(), std::back_inserter(returned));
      done += n;
    }
  }
  return MatchReturned(rows, returned);
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
  ASSIGN_OR_RETURN(ResultSet rs,
                   tx.Exec(std::string(kSelect) +
                               "WHERE environment = $1 AND unit = $2 AND seq < $3 ORDER BY seq",
                           {environment, unit, before_seq}));
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
