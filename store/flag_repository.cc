#include "store/flag_repository.h"

namespace gov::store {

namespace {

constexpr const char* kFeatureColumns =
    "name, project, definition_json, version, created_at, updated_at";
constexpr const char* kSegmentColumns =
    "id, name, definition_json, version, created_at, updated_at";
constexpr const char* kStateColumns =
    "feature, environment, enabled, strategies_json, variants_json";

FeatureRecord FeatureFromRow(const Row& r) {
  return {r.Text(0),
          r.Text(1),
          r.Text(2),
          r.Int(3),
          core::FromUnixMillis(r.Int(4)),
          core::FromUnixMillis(r.Int(5))};
}

SegmentRecord SegmentFromRow(const Row& r) {
  return {r.Int(0),
          r.Text(1),
          r.Text(2),
          r.Int(3),
          core::FromUnixMillis(r.Int(4)),
          core::FromUnixMillis(r.Int(5))};
}

FeatureEnvironmentRecord StateFromRow(const Row& r) {
  return {r.Text(0), r.Text(1), r.Int(2) != 0, r.Text(3), r.Text(4)};
}

core::StatusOr<std::vector<FeatureEnvironmentRecord>> States(Transaction& tx,
                                                             const std::string& where,
                                                             const std::vector<SqlValue>& params) {
  ASSIGN_OR_RETURN(
      auto rs, tx.Exec(std::string("SELECT ") + kStateColumns + " FROM flag_environments " + where +
                           " ORDER BY feature, environment",
                       params));
  std::vector<FeatureEnvironmentRecord> out;
  for (const auto& row : rs.rows) out.push_back(StateFromRow(row));
  return out;
}

core::Status VersionConflict(const std::string& what, int64_t current, int64_t expected) {
  return core::Conflict(what + " is at version " + std::to_string(current) + ", not " +
                        std::to_string(expected));
}

}  // namespace

core::Status FlagRepository::InsertFeature(Transaction& tx, const FeatureRecord& f) {
  auto rs = tx.Exec(std::string("INSERT INTO flag_features (") + kFeatureColumns +
                        ") VALUES ($1, $2, $3, 1, $4, $5)",
                    {f.name, f.project, f.definition_json, core::ToUnixMillis(f.created_at),
                     core::ToUnixMillis(f.updated_at)});
  if (rs.status().code() == core::StatusCode::kAlreadyExists) {
    return core::AlreadyExists("feature " + f.name + " already exists");
  }
  return rs.status();
}

core::StatusOr<FeatureRecord> FlagRepository::GetFeature(Transaction& tx, const std::string& name) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec(std::string("SELECT ") + kFeatureColumns +
                                        " FROM flag_features WHERE name = $1",
                                    {name}));
  if (rs.rows.empty()) return core::NotFound("feature " + name + " not found");
  return FeatureFromRow(rs.rows[0]);
}

core::StatusOr<std::vector<FeatureRecord>> FlagRepository::ListFeatures(Transaction& tx) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec(std::string("SELECT ") + kFeatureColumns +
                                    " FROM flag_features ORDER BY name"));
  std::vector<FeatureRecord> out;
  for (const auto& row : rs.rows) out.push_back(FeatureFromRow(row));
  return out;
}

core::StatusOr<FeatureRecord> FlagRepository::UpdateFeature(Transaction& tx,
                                                            const std::string& name,
                                                            const std::string& project,
                                                            const std::string& definition_json,
                                                            std::optional<int64_t> expected_version,
                                                            core::TimePoint now) {
  ASSIGN_OR_RETURN(FeatureRecord current, GetFeature(tx, name));
  if (expected_version && *expected_version != current.version) {
    return VersionConflict("feature " + name, current.version, *expected_version);
  }
  ASSIGN_OR_RETURN(
      auto rs, tx.Exec("UPDATE flag_features SET project = $1, definition_json = $2, "
                       "version = version + 1, updated_at = $3 "
                       "WHERE name = $4 AND version = $5",
                       {project, definition_json, core::ToUnixMillis(now), name, current.version}));
  if (rs.affected_rows == 0) return core::Conflict("feature " + name + " changed concurrently");
  return GetFeature(tx, name);
}

core::Status FlagRepository::DeleteFeature(Transaction& tx, const std::string& name,
                                           std::optional<int64_t> expected_version) {
  ASSIGN_OR_RETURN(FeatureRecord current, GetFeature(tx, name));
  if (expected_version && *expected_version != current.version) {
    return VersionConflict("feature " + name, current.version, *expected_version);
  }
  RETURN_IF_ERROR(tx.Exec("DELETE FROM flag_environments WHERE feature = $1", {name}).status());
  ASSIGN_OR_RETURN(auto rs, tx.Exec("DELETE FROM flag_features WHERE name = $1 AND version = $2",
                                    {name, current.version}));
  if (rs.affected_rows == 0) return core::Conflict("feature " + name + " changed concurrently");
  return core::Status::Ok();
}

core::StatusOr<std::vector<FeatureEnvironmentRecord>> FlagRepository::ListFeatureEnvironments(
    Transaction& tx, const std::string& feature) {
  return States(tx, "WHERE feature = $1", {feature});
}

core::StatusOr<std::vector<FeatureEnvironmentRecord>> FlagRepository::ListEnvironmentStates(
    Transaction& tx, const std::string& environment) {
  return States(tx, "WHERE environment = $1", {environment});
}

core::StatusOr<std::vector<FeatureEnvironmentRecord>> FlagRepository::ListAllEnvironmentStates(
    Transaction& tx) {
  return States(tx, "", {});
}

core::Status FlagRepository::PutFeatureEnvironment(Transaction& tx,
                                                   const FeatureEnvironmentRecord& s) {
  return tx
      .Exec(std::string("INSERT INTO flag_environments (") + kStateColumns +
                ") VALUES ($1, $2, $3, $4, $5) ON CONFLICT (feature, environment) DO UPDATE SET "
                "enabled = excluded.enabled, strategies_json = excluded.strategies_json, "
                "variants_json = excluded.variants_json",
            {s.feature, s.environment, int64_t{s.enabled ? 1 : 0}, s.strategies_json,
             s.variants_json})
      .status();
}

core::StatusOr<int64_t> FlagRepository::BumpRevision(Transaction& tx,
                                                     const std::string& environment) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("INSERT INTO flag_revisions (environment, revision) "
                                    "VALUES ($1, 1) ON CONFLICT (environment) DO UPDATE SET "
                                    "revision = flag_revisions.revision + 1 RETURNING revision",
                                    {environment}));
  return rs.rows.at(0).Int(0);
}

core::StatusOr<int64_t> FlagRepository::GetRevision(Transaction& tx,
                                                    const std::string& environment) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("SELECT revision FROM flag_revisions WHERE environment = $1",
                                    {environment}));
  return rs.rows.empty() ? int64_t{0} : rs.rows[0].Int(0);
}

core::StatusOr<std::map<std::string, int64_t>> FlagRepository::ListRevisions(Transaction& tx) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("SELECT environment, revision FROM flag_revisions"));
  std::map<std::string, int64_t> out;
  for (const auto& row : rs.rows) out[row.Text(0)] = row.Int(1);
  return out;
}

namespace {

// Allocates a segment id above every id handed out before and every stored one. The
// counter row serializes concurrent allocators: on PostgreSQL the second upsert waits for the
// first transaction's row lock and then increments the committed value (READ COMMITTED
// re-reads the locked row), so two replicas never get the same id; SQLite has one writer.
// MAX(id) covers segments stored with explicit ids (imports) and databases from before the
// counter existed. Ids of deleted segments are not reused, as with Unleash's serial ids.
core::StatusOr<int64_t> NextSegmentId(Transaction& tx) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("INSERT INTO flag_id_counters (name, last_id) "
                                    "VALUES ('segment', (SELECT COALESCE(MAX(id), 0) + 1 "
                                    "FROM flag_segments)) "
                                    "ON CONFLICT (name) DO UPDATE SET last_id = CASE "
                                    "WHEN flag_id_counters.last_id >= excluded.last_id "
                                    "THEN flag_id_counters.last_id + 1 ELSE excluded.last_id END "
                                    "RETURNING last_id"));
  return rs.rows.at(0).Int(0);
}

}  // namespace

core::StatusOr<int64_t> FlagRepository::InsertSegment(Transaction& tx, const SegmentRecord& s) {
  int64_t id = s.id;
  if (id == 0) {
    ASSIGN_OR_RETURN(id, NextSegmentId(tx));
  }
  auto rs = tx.Exec(std::string("INSERT INTO flag_segments (") + kSegmentColumns +
                        ") VALUES ($1, $2, $3, 1, $4, $5)",
                    {id, s.name, s.definition_json, core::ToUnixMillis(s.created_at),
                     core::ToUnixMillis(s.updated_at)});
  if (rs.status().code() == core::StatusCode::kAlreadyExists) {
    return core::AlreadyExists("segment " + std::to_string(id) + " already exists");
  }
  RETURN_IF_ERROR(rs.status());
  return id;
}

core::StatusOr<SegmentRecord> FlagRepository::GetSegment(Transaction& tx, int64_t id) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec(std::string("SELECT ") + kSegmentColumns +
                                        " FROM flag_segments WHERE id = $1",
                                    {id}));
  if (rs.rows.empty()) return core::NotFound("segment " + std::to_string(id) + " not found");
  return SegmentFromRow(rs.rows[0]);
}

core::StatusOr<std::vector<SegmentRecord>> FlagRepository::ListSegments(Transaction& tx) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec(std::string("SELECT ") + kSegmentColumns +
                                    " FROM flag_segments ORDER BY id"));
  std::vector<SegmentRecord> out;
  for (const auto& row : rs.rows) out.push_back(SegmentFromRow(row));
  return out;
}

core::StatusOr<SegmentRecord> FlagRepository::UpdateSegment(Transaction& tx, int64_t id,
                                                            const std::string& name,
                                                            const std::string& definition_json,
                                                            std::optional<int64_t> expected_version,
                                                            core::TimePoint now) {
  ASSIGN_OR_RETURN(SegmentRecord current, GetSegment(tx, id));
  const std::string what = "segment " + std::to_string(id);
  if (expected_version && *expected_version != current.version) {
    return VersionConflict(what, current.version, *expected_version);
  }
  ASSIGN_OR_RETURN(auto rs,
                   tx.Exec("UPDATE flag_segments SET name = $1, definition_json = $2, "
                           "version = version + 1, updated_at = $3 "
                           "WHERE id = $4 AND version = $5",
                           {name, definition_json, core::ToUnixMillis(now), id, current.version}));
  if (rs.affected_rows == 0) return core::Conflict(what + " changed concurrently");
  return GetSegment(tx, id);
}

core::Status FlagRepository::DeleteSegment(Transaction& tx, int64_t id,
                                           std::optional<int64_t> expected_version) {
  ASSIGN_OR_RETURN(SegmentRecord current, GetSegment(tx, id));
  const std::string what = "segment " + std::to_string(id);
  if (expected_version && *expected_version != current.version) {
    return VersionConflict(what, current.version, *expected_version);
  }
  ASSIGN_OR_RETURN(auto rs, tx.Exec("DELETE FROM flag_segments WHERE id = $1 AND version = $2",
                                    {id, current.version}));
  if (rs.affected_rows == 0) return core::Conflict(what + " changed concurrently");
  return core::Status::Ok();
}

core::Status SqlFlagStore::InsertFeature(Transaction& tx, const FeatureRecord& feature) {
  return FlagRepository::InsertFeature(tx, feature);
}

core::StatusOr<FeatureRecord> SqlFlagStore::GetFeature(Transaction& tx, const std::string& name) {
  return FlagRepository::GetFeature(tx, name);
}

core::StatusOr<std::vector<FeatureRecord>> SqlFlagStore::ListFeatures(Transaction& tx) {
  return FlagRepository::ListFeatures(tx);
}

core::StatusOr<FeatureRecord> SqlFlagStore::UpdateFeature(Transaction& tx, const std::string& name,
                                                          const std::string& project,
                                                          const std::string& definition_json,
                                                          std::optional<int64_t> expected_version,
                                                          core::TimePoint now) {
  return FlagRepository::UpdateFeature(tx, name, project, definition_json, expected_version, now);
}

core::Status SqlFlagStore::DeleteFeature(Transaction& tx, const std::string& name,
                                         std::optional<int64_t> expected_version) {
  return FlagRepository::DeleteFeature(tx, name, expected_version);
}

core::StatusOr<std::vector<FeatureEnvironmentRecord>> SqlFlagStore::ListFeatureEnvironments(
    Transaction& tx, const std::string& feature) {
  return FlagRepository::ListFeatureEnvironments(tx, feature);
}

core::StatusOr<std::vector<FeatureEnvironmentRecord>> SqlFlagStore::ListEnvironmentStates(
    Transaction& tx, const std::string& environment) {
  return FlagRepository::ListEnvironmentStates(tx, environment);
}

core::StatusOr<std::vector<FeatureEnvironmentRecord>> SqlFlagStore::ListAllEnvironmentStates(
    Transaction& tx) {
  return FlagRepository::ListAllEnvironmentStates(tx);
}

core::Status SqlFlagStore::PutFeatureEnvironment(Transaction& tx,
                                                 const FeatureEnvironmentRecord& state) {
  return FlagRepository::PutFeatureEnvironment(tx, state);
}

core::StatusOr<int64_t> SqlFlagStore::BumpRevision(Transaction& tx,
                                                   const std::string& environment) {
  return FlagRepository::BumpRevision(tx, environment);
}

core::StatusOr<int64_t> SqlFlagStore::GetRevision(Transaction& tx, const std::string& environment) {
  return FlagRepository::GetRevision(tx, environment);
}

core::StatusOr<std::map<std::string, int64_t>> SqlFlagStore::ListRevisions(Transaction& tx) {
  return FlagRepository::ListRevisions(tx);
}

core::StatusOr<int64_t> SqlFlagStore::InsertSegment(Transaction& tx, const SegmentRecord& segment) {
  return FlagRepository::InsertSegment(tx, segment);
}

core::StatusOr<SegmentRecord> SqlFlagStore::GetSegment(Transaction& tx, int64_t id) {
  return FlagRepository::GetSegment(tx, id);
}

core::StatusOr<std::vector<SegmentRecord>> SqlFlagStore::ListSegments(Transaction& tx) {
  return FlagRepository::ListSegments(tx);
}

core::StatusOr<SegmentRecord> SqlFlagStore::UpdateSegment(Transaction& tx, int64_t id,
                                                          const std::string& name,
                                                          const std::string& definition_json,
                                                          std::optional<int64_t> expected_version,
                                                          core::TimePoint now) {
  return FlagRepository::UpdateSegment(tx, id, name, definition_json, expected_version, now);
}

core::Status SqlFlagStore::DeleteSegment(Transaction& tx, int64_t id,
                                         std::optional<int64_t> expected_version) {
  return FlagRepository::DeleteSegment(tx, id, expected_version);
}

}  // namespace gov::store
