#include "store/environment_repository.h"

namespace gov::store {

core::Status EnvironmentRepository::Insert(Transaction& tx, const EnvironmentRecord& env) {
  return tx
      .Exec("INSERT INTO environments (name, created_at, version) VALUES ($1, $2, 1)",
            {env.name, core::ToUnixMillis(env.created_at)})
      .status();
}

core::StatusOr<std::vector<EnvironmentRecord>> EnvironmentRepository::List(Transaction& tx) {
  ASSIGN_OR_RETURN(auto rs,
                   tx.Exec("SELECT name, created_at, version FROM environments ORDER BY name"));
  std::vector<EnvironmentRecord> out;
  for (const auto& row : rs.rows) {
    out.push_back({row.Text(0), core::FromUnixMillis(row.Int(1)), row.Int(2)});
  }
  return out;
}

core::StatusOr<bool> EnvironmentRepository::Exists(Transaction& tx, const std::string& name) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("SELECT 1 FROM environments WHERE name = $1", {name}));
  return !rs.rows.empty();
}

core::Status SqlEnvironmentStore::Insert(Transaction& tx, const EnvironmentRecord& env) {
  return EnvironmentRepository::Insert(tx, env);
}

core::StatusOr<std::vector<EnvironmentRecord>> SqlEnvironmentStore::List(Transaction& tx) {
  return EnvironmentRepository::List(tx);
}

core::StatusOr<bool> SqlEnvironmentStore::Exists(Transaction& tx, const std::string& name) {
  return EnvironmentRepository::Exists(tx, name);
}

}  // namespace gov::store
