#include "store/target_state_repository.h"

namespace gov::store {

namespace {

constexpr const char* kColumns =
    "target, replicas, desired_replicas, state_json, last_sync_at, last_decision_id, epoch";

TargetStateRecord FromRow(const Row& row) {
  TargetStateRecord s;
  s.target = row.Text(0);
  s.replicas = row.Int(1);
  s.desired_replicas = row.OptInt(2);
  s.state_json = row.Text(3);
  s.last_sync_at = core::FromUnixMillis(row.Int(4));
  s.last_decision_id = row.Text(5);
  s.epoch = row.Int(6);
  return s;
}

}  // namespace

// INSERT ... SELECT ... WHERE EXISTS skips a target deleted since the loop read it; the
// foreign key's cascade removes rows of targets deleted later. The casts give PostgreSQL
// the parameter types a bare SELECT list cannot infer.
core::StatusOr<bool> TargetStateRepository::Upsert(Transaction& tx, const TargetStateRecord& s) {
  ASSIGN_OR_RETURN(
      auto rs,
      tx.Exec(std::string("INSERT INTO target_states (") + kColumns +
                  ") SELECT CAST($1 AS TEXT), CAST($2 AS BIGINT), CAST($3 AS BIGINT), "
                  "CAST($4 AS TEXT), CAST($5 AS BIGINT), CAST($6 AS TEXT), CAST($7 AS BIGINT) "
                  "WHERE EXISTS (SELECT 1 FROM targets WHERE name = CAST($1 AS TEXT)) "
                  "ON CONFLICT (target) DO UPDATE SET replicas = excluded.replicas, "
                  "desired_replicas = excluded.desired_replicas, "
                  "state_json = excluded.state_json, last_sync_at = excluded.last_sync_at, "
                  "last_decision_id = excluded.last_decision_id, epoch = excluded.epoch",
              {s.target, s.replicas,
               s.desired_replicas ? SqlValue(*s.desired_replicas) : SqlValue(nullptr), s.state_json,
               core::ToUnixMillis(s.last_sync_at), s.last_decision_id, s.epoch}));
  return rs.affected_rows > 0;
}

core::StatusOr<std::optional<TargetStateRecord>> TargetStateRepository::Find(
    Transaction& tx, const std::string& target) {
  ASSIGN_OR_RETURN(
      auto rs, tx.Exec(std::string("SELECT ") + kColumns + " FROM target_states WHERE target = $1",
                       {target}));
  if (rs.rows.empty()) return std::optional<TargetStateRecord>();
  return std::optional<TargetStateRecord>(FromRow(rs.rows[0]));
}

core::StatusOr<std::vector<TargetStateRecord>> TargetStateRepository::ListAll(Transaction& tx) {
  ASSIGN_OR_RETURN(
      auto rs, tx.Exec(std::string("SELECT ") + kColumns + " FROM target_states ORDER BY target"));
  std::vector<TargetStateRecord> out;
  out.reserve(rs.rows.size());
  for (const auto& row : rs.rows) out.push_back(FromRow(row));
  return out;
}

core::StatusOr<bool> SqlTargetStateStore::Upsert(Transaction& tx, const TargetStateRecord& state) {
  return TargetStateRepository::Upsert(tx, state);
}

core::StatusOr<std::vector<TargetStateRecord>> SqlTargetStateStore::ListAll(Transaction& tx) {
  return TargetStateRepository::ListAll(tx);
}

}  // namespace gov::store
