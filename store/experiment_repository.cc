#include "store/experiment_repository.h"

#include <set>

namespace gov::store {

namespace {

constexpr const char* kColumns =
    "key, environment, feature, status, spec_json, version, created_at, updated_at, started_at, "
    "stopped_at";

ExperimentRecord FromRow(const Row& row) {
  ExperimentRecord e;
  e.key = row.Text(0);
  e.environment = row.Text(1);
  e.feature = row.Text(2);
  e.status = row.Text(3);
  e.spec_json = row.Text(4);
  e.version = row.Int(5);
  e.created_at = core::FromUnixMillis(row.Int(6));
  e.updated_at = core::FromUnixMillis(row.Int(7));
  if (auto ms = row.OptInt(8)) e.started_at = core::FromUnixMillis(*ms);
  if (auto ms = row.OptInt(9)) e.stopped_at = core::FromUnixMillis(*ms);
  return e;
}

SqlValue OptMillis(const std::optional<core::TimePoint>& t) {
  if (!t) return nullptr;
  return core::ToUnixMillis(*t);
}

core::Status VersionConflict(const std::string& key, int64_t current, int64_t expected) {
  return core::Conflict("experiment " + key + " is at version " + std::to_string(current) +
                        ", not " + std::to_string(expected));
}

core::Status SecondRunning(const ExperimentRecord& e) {
  return core::Conflict("another experiment is already running on feature " + e.feature +
                        " in environment " + e.environment);
}

// Fills in the metric names of each record.
core::Status LoadMetrics(Transaction& tx, ExperimentRecord& e) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("SELECT metric FROM experiment_metrics WHERE experiment = $1 "
                                    "ORDER BY metric",
                                    {e.key}));
  e.metrics.clear();
  for (const auto& row : rs.rows) e.metrics.push_back(row.Text(0));
  return core::Status::Ok();
}

core::StatusOr<std::vector<ExperimentRecord>> Records(Transaction& tx, const ResultSet& rs) {
  std::vector<ExperimentRecord> out;
  out.reserve(rs.rows.size());
  for (const auto& row : rs.rows) {
    out.push_back(FromRow(row));
    RETURN_IF_ERROR(LoadMetrics(tx, out.back()));
  }
  return out;
}

core::Status WriteMetrics(Transaction& tx, const ExperimentRecord& e) {
  RETURN_IF_ERROR(
      tx.Exec("DELETE FROM experiment_metrics WHERE experiment = $1", {e.key}).status());
  // A set: a repeated name would violate the primary key, which aborts a PostgreSQL transaction.
  for (const std::string& metric : std::set<std::string>(e.metrics.begin(), e.metrics.end())) {
    core::Status s = tx.Exec("INSERT INTO experiment_metrics (experiment, metric) VALUES ($1, $2)",
                             {e.key, metric})
                         .status();
    if (s.code() == core::StatusCode::kFailedPrecondition) {
      return core::FailedPrecondition("metric " + metric + " does not exist");
    }
    RETURN_IF_ERROR(s);
  }
  return core::Status::Ok();
}

}  // namespace

core::Status ExperimentRepository::Insert(Transaction& tx, const ExperimentRecord& e) {
  ASSIGN_OR_RETURN(auto existing, Find(tx, e.key));
  if (existing) return core::AlreadyExists("experiment " + e.key + " already exists");
  core::Status s = tx.Exec(std::string("INSERT INTO experiments (") + kColumns +
                               ") VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $9)",
                           {e.key, e.environment, e.feature, e.status, e.spec_json,
                            core::ToUnixMillis(e.created_at), core::ToUnixMillis(e.updated_at),
                            OptMillis(e.started_at), OptMillis(e.stopped_at)})
                       .status();
  if (s.code() == core::StatusCode::kAlreadyExists) return SecondRunning(e);
  if (s.code() == core::StatusCode::kFailedPrecondition) {
    return core::FailedPrecondition("environment " + e.environment + " does not exist");
  }
  RETURN_IF_ERROR(s);
  return WriteMetrics(tx, e);
}

core::StatusOr<std::optional<ExperimentRecord>> ExperimentRepository::Find(Transaction& tx,
                                                                           const std::string& key) {
  ASSIGN_OR_RETURN(
      auto rs,
      tx.Exec(std::string("SELECT ") + kColumns + " FROM experiments WHERE key = $1", {key}));
  if (rs.rows.empty()) return std::optional<ExperimentRecord>();
  ExperimentRecord e = FromRow(rs.rows[0]);
  RETURN_IF_ERROR(LoadMetrics(tx, e));
  return std::optional<ExperimentRecord>(std::move(e));
}

core::StatusOr<ExperimentRecord> ExperimentRepository::Get(Transaction& tx,
                                                           const std::string& key) {
  ASSIGN_OR_RETURN(auto found, Find(tx, key));
  if (!found) return core::NotFound("experiment " + key + " not found");
  return std::move(*found);
}

core::StatusOr<Page<ExperimentRecord>> ExperimentRepository::List(Transaction& tx,
                                                                  const PageRequest& page) {
  const int64_t limit = PageLimit(page);
  ASSIGN_OR_RETURN(auto rs, tx.Exec(std::string("SELECT ") + kColumns +
                                        " FROM experiments WHERE key > $1 ORDER BY key LIMIT $2",
                                    {page.cursor, limit + 1}));
  Page<ExperimentRecord> out =
      MakePage(rs.rows, limit, FromRow, [](const ExperimentRecord& last) { return last.key; });
  for (ExperimentRecord& e : out.items) RETURN_IF_ERROR(LoadMetrics(tx, e));
  return out;
}

core::StatusOr<std::vector<ExperimentRecord>> ExperimentRepository::ListByStatus(
    Transaction& tx, const std::string& status) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec(std::string("SELECT ") + kColumns +
                                        " FROM experiments WHERE status = $1 ORDER BY key",
                                    {status}));
  return Records(tx, rs);
}

core::StatusOr<std::vector<ExperimentRecord>> ExperimentRepository::ListForFeature(
    Transaction& tx, const std::string& environment, const std::string& feature) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec(std::string("SELECT ") + kColumns +
                                        " FROM experiments WHERE environment = $1 AND feature = $2 "
                                        "ORDER BY key",
                                    {environment, feature}));
  return Records(tx, rs);
}

core::StatusOr<std::vector<std::string>> ExperimentRepository::ListUsingMetric(
    Transaction& tx, const std::string& metric) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("SELECT experiment FROM experiment_metrics WHERE metric = $1 "
                                    "ORDER BY experiment",
                                    {metric}));
  std::vector<std::string> out;
  for (const auto& row : rs.rows) out.push_back(row.Text(0));
  return out;
}

core::StatusOr<ExperimentRecord> ExperimentRepository::Update(
    Transaction& tx, const ExperimentRecord& e, std::optional<int64_t> expected_version,
    core::TimePoint now) {
  ASSIGN_OR_RETURN(ExperimentRecord current, Get(tx, e.key));
  if (expected_version && *expected_version != current.version) {
    return VersionConflict(e.key, current.version, *expected_version);
  }
  core::StatusOr<ResultSet> rs = tx.Exec(
      "UPDATE experiments SET environment = $1, feature = $2, status = $3, "
      "spec_json = $4, started_at = $5, stopped_at = $6, version = version + 1, "
      "updated_at = $7 WHERE key = $8 AND version = $9",
      {e.environment, e.feature, e.status, e.spec_json, OptMillis(e.started_at),
       OptMillis(e.stopped_at), core::ToUnixMillis(now), e.key, current.version});
  if (rs.status().code() == core::StatusCode::kAlreadyExists) return SecondRunning(e);
  if (rs.status().code() == core::StatusCode::kFailedPrecondition) {
    return core::FailedPrecondition("environment " + e.environment + " does not exist");
  }
  if (!rs.ok()) return rs.status();
  if (rs->affected_rows == 0) {
    ASSIGN_OR_RETURN(ExperimentRecord now_current, Get(tx, e.key));
    return VersionConflict(e.key, now_current.version, current.version);
  }
  if (e.metrics != current.metrics) RETURN_IF_ERROR(WriteMetrics(tx, e));
  return Get(tx, e.key);
}

core::Status ExperimentRepository::Delete(Transaction& tx, const std::string& key,
                                          std::optional<int64_t> expected_version) {
  ASSIGN_OR_RETURN(ExperimentRecord current, Get(tx, key));
  if (expected_version && *expected_version != current.version) {
    return VersionConflict(key, current.version, *expected_version);
  }
  ASSIGN_OR_RETURN(auto rs, tx.Exec("DELETE FROM experiments WHERE key = $1 AND version = $2",
                                    {key, current.version}));
  if (rs.affected_rows == 0) {
    ASSIGN_OR_RETURN(ExperimentRecord now_current, Get(tx, key));
    return VersionConflict(key, now_current.version, current.version);
  }
  return core::Status::Ok();
}

core::Status SqlExperimentStore::Insert(Transaction& tx, const ExperimentRecord& experiment) {
  return ExperimentRepository::Insert(tx, experiment);
}

core::StatusOr<std::optional<ExperimentRecord>> SqlExperimentStore::Find(Transaction& tx,
                                                                         const std::string& key) {
  return ExperimentRepository::Find(tx, key);
}

core::StatusOr<Page<ExperimentRecord>> SqlExperimentStore::List(Transaction& tx,
                                                                const PageRequest& page) {
  return ExperimentRepository::List(tx, page);
}

core::StatusOr<std::vector<ExperimentRecord>> SqlExperimentStore::ListByStatus(
    Transaction& tx, const std::string& status) {
  return ExperimentRepository::ListByStatus(tx, status);
}

core::StatusOr<std::vector<ExperimentRecord>> SqlExperimentStore::ListForFeature(
    Transaction& tx, const std::string& environment, const std::string& feature) {
  return ExperimentRepository::ListForFeature(tx, environment, feature);
}

core::StatusOr<std::vector<std::string>> SqlExperimentStore::ListUsingMetric(
    Transaction& tx, const std::string& metric) {
  return ExperimentRepository::ListUsingMetric(tx, metric);
}

core::StatusOr<ExperimentRecord> SqlExperimentStore::Update(Transaction& tx,
                                                            const ExperimentRecord& experiment,
                                                            std::optional<int64_t> expected_version,
                                                            core::TimePoint now) {
  return ExperimentRepository::Update(tx, experiment, expected_version, now);
}

core::Status SqlExperimentStore::Delete(Transaction& tx, const std::string& key,
                                        std::optional<int64_t> expected_version) {
  return ExperimentRepository::Delete(tx, key, expected_version);
}

}  // namespace gov::store
