#include "store/metric_repository.h"

namespace gov::store {

namespace {

constexpr const char* kColumns = "name, spec_json, version, created_at, updated_at";

MetricRecord FromRow(const Row& row) {
  MetricRecord m;
  m.name = row.Text(0);
  m.spec_json = row.Text(1);
  m.version = row.Int(2);
  m.created_at = core::FromUnixMillis(row.Int(3));
  m.updated_at = core::FromUnixMillis(row.Int(4));
  return m;
}

core::Status VersionConflict(const std::string& name, int64_t current, int64_t expected) {
  return core::Conflict("metric " + name + " is at version " + std::to_string(current) + ", not " +
                        std::to_string(expected));
}

}  // namespace

core::Status MetricRepository::Insert(Transaction& tx, const MetricRecord& m) {
  core::Status s =
      tx.Exec(std::string("INSERT INTO metrics (") + kColumns + ") VALUES ($1, $2, 1, $3, $4)",
              {m.name, m.spec_json, core::ToUnixMillis(m.created_at),
               core::ToUnixMillis(m.updated_at)})
          .status();
  if (s.code() == core::StatusCode::kAlreadyExists) {
    return core::AlreadyExists("metric " + m.name + " already exists");
  }
  return s;
}

core::StatusOr<std::optional<MetricRecord>> MetricRepository::Find(Transaction& tx,
                                                                   const std::string& name) {
  ASSIGN_OR_RETURN(
      auto rs,
      tx.Exec(std::string("SELECT ") + kColumns + " FROM metrics WHERE name = $1", {name}));
  if (rs.rows.empty()) return std::optional<MetricRecord>();
  return std::optional<MetricRecord>(FromRow(rs.rows[0]));
}

core::StatusOr<MetricRecord> MetricRepository::Get(Transaction& tx, const std::string& name) {
  ASSIGN_OR_RETURN(auto found, Find(tx, name));
  if (!found) return core::NotFound("metric " + name + " not found");
  return std::move(*found);
}

core::StatusOr<Page<MetricRecord>> MetricRepository::List(Transaction& tx,
                                                          const PageRequest& page) {
  const int64_t limit = PageLimit(page);
  ASSIGN_OR_RETURN(auto rs, tx.Exec(std::string("SELECT ") + kColumns +
                                        " FROM metrics WHERE name > $1 ORDER BY name LIMIT $2",
                                    {page.cursor, limit + 1}));
  return MakePage(rs.rows, limit, FromRow, [](const MetricRecord& last) { return last.name; });
}

core::StatusOr<MetricRecord> MetricRepository::Update(Transaction& tx, const std::string& name,
                                                      const std::string& spec_json,
                                                      std::optional<int64_t> expected_version,
                                                      core::TimePoint now) {
  ASSIGN_OR_RETURN(MetricRecord current, Get(tx, name));
  if (expected_version && *expected_version != current.version) {
    return VersionConflict(name, current.version, *expected_version);
  }
  ASSIGN_OR_RETURN(auto rs, tx.Exec("UPDATE metrics SET spec_json = $1, version = version + 1, "
                                    "updated_at = $2 WHERE name = $3 AND version = $4",
                                    {spec_json, core::ToUnixMillis(now), name, current.version}));
  if (rs.affected_rows == 0) {
    ASSIGN_OR_RETURN(MetricRecord now_current, Get(tx, name));
    return VersionConflict(name, now_current.version, current.version);
  }
  return Get(tx, name);
}

core::Status MetricRepository::Delete(Transaction& tx, const std::string& name,
                                      std::optional<int64_t> expected_version) {
  ASSIGN_OR_RETURN(MetricRecord current, Get(tx, name));
  if (expected_version && *expected_version != current.version) {
    return VersionConflict(name, current.version, *expected_version);
  }
  ASSIGN_OR_RETURN(auto rs, tx.Exec("DELETE FROM metrics WHERE name = $1 AND version = $2",
                                    {name, current.version}));
  if (rs.affected_rows == 0) {
    ASSIGN_OR_RETURN(MetricRecord now_current, Get(tx, name));
    return VersionConflict(name, now_current.version, current.version);
  }
  return core::Status::Ok();
}

core::Status SqlMetricStore::Insert(Transaction& tx, const MetricRecord& metric) {
  return MetricRepository::Insert(tx, metric);
}

core::StatusOr<std::optional<MetricRecord>> SqlMetricStore::Find(Transaction& tx,
                                                                 const std::string& name) {
  return MetricRepository::Find(tx, name);
}

core::StatusOr<Page<MetricRecord>> SqlMetricStore::List(Transaction& tx, const PageRequest& page) {
  return MetricRepository::List(tx, page);
}

core::StatusOr<MetricRecord> SqlMetricStore::Update(Transaction& tx, const std::string& name,
                                                    const std::string& spec_json,
                                                    std::optional<int64_t> expected_version,
                                                    core::TimePoint now) {
  return MetricRepository::Update(tx, name, spec_json, expected_version, now);
}

core::Status SqlMetricStore::Delete(Transaction& tx, const std::string& name,
                                    std::optional<int64_t> expected_version) {
  return MetricRepository::Delete(tx, name, expected_version);
}

}  // namespace gov::store
