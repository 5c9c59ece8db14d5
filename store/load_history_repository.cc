#include "store/load_history_repository.h"

namespace gov::store {

// INSERT ... SELECT ... WHERE EXISTS skips a target deleted since the caller read it, as
// TargetStateRepository::Upsert does; the casts give PostgreSQL the parameter types.
core::StatusOr<int64_t> LoadHistoryRepository::Append(Transaction& tx, const std::string& target,
                                                      const std::string& metric,
                                                      std::span<const LoadSample> samples) {
  int64_t written = 0;
  for (const LoadSample& s : samples) {
    ASSIGN_OR_RETURN(
        auto rs, tx.Exec("INSERT INTO target_load_history (target, metric, at, value) "
                         "SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), CAST($3 AS BIGINT), "
                         "CAST($4 AS DOUBLE PRECISION) "
                         "WHERE EXISTS (SELECT 1 FROM targets WHERE name = CAST($1 AS TEXT)) "
                         "ON CONFLICT (target, metric, at) DO UPDATE SET value = excluded.value",
                         {target, metric, core::ToUnixMillis(s.at), s.value}));
    if (rs.affected_rows == 0) return written;  // the target is gone
    written += rs.affected_rows;
  }
  return written;
}

core::StatusOr<std::vector<LoadSample>> LoadHistoryRepository::Read(Transaction& tx,
                                                                    const std::string& target,
                                                                    const std::string& metric,
                                                                    core::TimePoint from,
                                                                    core::TimePoint to) {
  ASSIGN_OR_RETURN(auto rs,
                   tx.Exec("SELECT at, value FROM target_load_history "
                           "WHERE target = $1 AND metric = $2 AND at >= $3 AND at < $4 "
                           "ORDER BY at",
                           {target, metric, core::ToUnixMillis(from), core::ToUnixMillis(to)}));
  std::vector<LoadSample> out;
  out.reserve(rs.rows.size());
  for (const Row& row : rs.rows) {
    out.push_back(LoadSample{core::FromUnixMillis(row.Int(0)), row.Double(1)});
  }
  return out;
}

core::StatusOr<int64_t> LoadHistoryRepository::Prune(Transaction& tx, core::TimePoint cutoff) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("DELETE FROM target_load_history WHERE at < $1",
                                    {core::ToUnixMillis(cutoff)}));
  return rs.affected_rows;
}

core::StatusOr<int64_t> SqlLoadHistoryStore::Append(Transaction& tx, const std::string& target,
                                                    const std::string& metric,
                                                    std::span<const LoadSample> samples) {
  return LoadHistoryRepository::Append(tx, target, metric, samples);
}

core::StatusOr<std::vector<LoadSample>> SqlLoadHistoryStore::Read(Transaction& tx,
                                                                  const std::string& target,
                                                                  const std::string& metric,
                                                                  core::TimePoint from,
                                                                  core::TimePoint to) {
  return LoadHistoryRepository::Read(tx, target, metric, from, to);
}

core::StatusOr<int64_t> SqlLoadHistoryStore::Prune(Transaction& tx, core::TimePoint cutoff) {
  return LoadHistoryRepository::Prune(tx, cutoff);
}

}  // namespace gov::store
