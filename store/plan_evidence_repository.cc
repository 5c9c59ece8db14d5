#include "store/plan_evidence_repository.h"

namespace gov::store {

core::StatusOr<std::vector<PlanExposureCountRow>> PlanEvidenceRepository::CountExposures(
    Transaction& tx, const std::string& environment, const std::string& key) {
  ASSIGN_OR_RETURN(auto rs,
                   // The arm's alias differs from the column: SQLite (3.40) resolved the
                   // HAVING's variant to the alias when they shared a name.
                   tx.Exec("SELECT arm, COUNT(*) FROM (SELECT MIN(variant) AS arm "
                           "FROM events WHERE experiment = $1 AND environment = $2 "
                           "AND type = 'exposure' AND variant IS NOT NULL GROUP BY unit "
                           "HAVING COUNT(DISTINCT variant) = 1) u GROUP BY arm ORDER BY arm",
                           {key, environment}));
  std::vector<PlanExposureCountRow> out;
  out.reserve(rs.rows.size());
  for (const Row& row : rs.rows) out.push_back({row.Text(0), row.Int(1)});
  return out;
}

core::StatusOr<std::vector<PlanUnitEventRow>> PlanEvidenceRepository::ReadExposedUnitEvents(
    Transaction& tx, const std::string& environment, const std::string& key,
    const std::vector<std::string>& names) {
  std::vector<SqlValue> params = {key, environment};
  std::string in_names;
  for (const std::string& name : names) {
    params.push_back(name);
    in_names += (in_names.empty() ? "$" : ", $") + std::to_string(params.size());
  }
  // The window's (unit, variant) pairs come from events_experiment; each pair's events from
  // events_unit_id (an exposure's unit_hash is its unit's in its environment), the unit and
  // environment compared in full since two units may share a hash.
  const std::string sql =
      "SELECT x.unit, x.variant, x.first_at, e.seq, e.name, e.value, e.at FROM "
      "(SELECT unit, variant, unit_hash, MIN(at) AS first_at FROM events "
      "WHERE experiment = $1 AND environment = $2 AND type = 'exposure' AND variant IS NOT NULL "
      "GROUP BY unit, variant, unit_hash) x "
      "LEFT JOIN events e ON e.unit_hash = x.unit_hash AND e.environment = $2 "
      "AND e.unit = x.unit AND e.type = 'track' AND e.at >= x.first_at AND " +
      (in_names.empty() ? std::string("1 = 0") : "e.name IN (" + in_names + ")") +
      " ORDER BY x.unit, x.variant, e.seq";
  ASSIGN_OR_RETURN(auto rs, tx.Exec(sql, params));
  std::vector<PlanUnitEventRow> out;
  out.reserve(rs.rows.size());
  for (const Row& row : rs.rows) {
    PlanUnitEventRow r;
    r.unit = row.Text(0);
    r.variant = row.Text(1);
    r.first_exposure_ms = row.Int(2);
    r.seq = row.OptInt(3);
    if (r.seq) {
      r.name = row.Text(4);
      if (!row.IsNull(5)) r.value = row.Double(5);
      r.at_ms = row.Int(6);
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace gov::store
