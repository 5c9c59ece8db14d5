#include "store/target_repository.h"

#include <algorithm>

namespace gov::store {

namespace {

constexpr const char* kColumns = "name, spec_json, source, version, created_at, updated_at";

TargetRecord FromRow(const Row& row) {
  TargetRecord t;
  t.name = row.Text(0);
  t.spec_json = row.Text(1);
  t.source = row.Text(2);
  t.version = row.Int(3);
  t.created_at = core::FromUnixMillis(row.Int(4));
  t.updated_at = core::FromUnixMillis(row.Int(5));
  return t;
}

core::Status VersionConflict(const std::string& name, int64_t current, int64_t expected) {
  return core::Conflict("target " + name + " is at version " + std::to_string(current) + ", not " +
                        std::to_string(expected));
}

}  // namespace

core::Status TargetRepository::Insert(Transaction& tx, const TargetRecord& t) {
  core::Status s =
      tx.Exec(std::string("INSERT INTO targets (") + kColumns + ") VALUES ($1, $2, $3, 1, $4, $5)",
              {t.name, t.spec_json, t.source, core::ToUnixMillis(t.created_at),
               core::ToUnixMillis(t.updated_at)})
          .status();
  if (s.code() == core::StatusCode::kAlreadyExists) {
    return core::AlreadyExists("target " + t.name + " already exists");
  }
  return s;
}

core::StatusOr<std::optional<TargetRecord>> TargetRepository::Find(Transaction& tx,
                                                                   const std::string& name) {
  ASSIGN_OR_RETURN(
      auto rs,
      tx.Exec(std::string("SELECT ") + kColumns + " FROM targets WHERE name = $1", {name}));
  if (rs.rows.empty()) return std::optional<TargetRecord>();
  return std::optional<TargetRecord>(FromRow(rs.rows[0]));
}

core::StatusOr<TargetRecord> TargetRepository::Get(Transaction& tx, const std::string& name) {
  ASSIGN_OR_RETURN(auto found, Find(tx, name));
  if (!found) return core::NotFound("target " + name + " not found");
  return std::move(*found);
}

core::StatusOr<Page<TargetRecord>> TargetRepository::List(Transaction& tx,
                                                          const PageRequest& page) {
  const int64_t limit = PageLimit(page);
  ASSIGN_OR_RETURN(auto rs, tx.Exec(std::string("SELECT ") + kColumns +
                                        " FROM targets WHERE name > $1 ORDER BY name LIMIT $2",
                                    {page.cursor, limit + 1}));
  return MakePage(rs.rows, limit, FromRow, [](const TargetRecord& last) { return last.name; });
}

core::StatusOr<std::vector<TargetRecord>> TargetRepository::ListAll(Transaction& tx) {
  ASSIGN_OR_RETURN(auto rs,
                   tx.Exec(std::string("SELECT ") + kColumns + " FROM targets ORDER BY name"));
  std::vector<TargetRecord> out;
  out.reserve(rs.rows.size());
  for (const auto& row : rs.rows) out.push_back(FromRow(row));
  return out;
}

core::StatusOr<TargetRecord> TargetRepository::Update(Transaction& tx, const std::string& name,
                                                      const std::string& spec_json,
                                                      const std::string& source,
                                                      std::optional<int64_t> expected_version,
                                                      core::TimePoint now) {
  ASSIGN_OR_RETURN(TargetRecord current, Get(tx, name));
  if (expected_version && *expected_version != current.version) {
    return VersionConflict(name, current.version, *expected_version);
  }
  ASSIGN_OR_RETURN(auto rs,
                   tx.Exec("UPDATE targets SET spec_json = $1, source = $2, "
                           "version = version + 1, updated_at = $3 "
                           "WHERE name = $4 AND version = $5",
                           {spec_json, source, core::ToUnixMillis(now), name, current.version}));
  if (rs.affected_rows == 0) {
    ASSIGN_OR_RETURN(TargetRecord now_current, Get(tx, name));
    return VersionConflict(name, now_current.version, current.version);
  }
  return Get(tx, name);
}

core::Status TargetRepository::Delete(Transaction& tx, const std::string& name,
                                      std::optional<int64_t> expected_version) {
  ASSIGN_OR_RETURN(TargetRecord current, Get(tx, name));
  if (expected_version && *expected_version != current.version) {
    return VersionConflict(name, current.version, *expected_version);
  }
  ASSIGN_OR_RETURN(auto rs, tx.Exec("DELETE FROM targets WHERE name = $1 AND version = $2",
                                    {name, current.version}));
  if (rs.affected_rows == 0) {
    ASSIGN_OR_RETURN(TargetRecord now_current, Get(tx, name));
    return VersionConflict(name, now_current.version, current.version);
  }
  return core::Status::Ok();
}

core::StatusOr<std::vector<TargetRecord>> SqlTargetReader::ListAll(Transaction& tx) {
  return TargetRepository::ListAll(tx);
}

core::Status SqlTargetStore::Insert(Transaction& tx, const TargetRecord& target) {
  return TargetRepository::Insert(tx, target);
}

core::StatusOr<TargetRecord> SqlTargetStore::Get(Transaction& tx, const std::string& name) {
  return TargetRepository::Get(tx, name);
}

core::StatusOr<Page<TargetRecord>> SqlTargetStore::List(Transaction& tx, const PageRequest& page) {
  return TargetRepository::List(tx, page);
}

core::StatusOr<std::vector<TargetRecord>> SqlTargetStore::ListAll(Transaction& tx) {
  return TargetRepository::ListAll(tx);
}

core::StatusOr<TargetRecord> SqlTargetStore::Update(Transaction& tx, const std::string& name,
                                                    const std::string& spec_json,
                                                    const std::string& source,
                                                    std::optional<int64_t> expected_version,
                                                    core::TimePoint now) {
  return TargetRepository::Update(tx, name, spec_json, source, expected_version, now);
}

core::Status SqlTargetStore::Delete(Transaction& tx, const std::string& name,
                                    std::optional<int64_t> expected_version) {
  return TargetRepository::Delete(tx, name, expected_version);
}

core::StatusOr<std::optional<TargetStateRecord>> SqlTargetStore::FindState(
    Transaction& tx, const std::string& target) {
  return TargetStateRepository::Find(tx, target);
}

core::StatusOr<std::optional<DecisionRecord>> SqlTargetStore::LatestDecision(
    Transaction& tx, const std::string& target) {
  return DecisionRepository::Latest(tx, target);
}

core::StatusOr<Page<DecisionRecord>> SqlTargetStore::ListDecisions(Transaction& tx,
                                                                   const std::string& target,
                                                                   const PageRequest& page) {
  return DecisionRepository::List(tx, target, page);
}

}  // namespace gov::store
