#include "store/decision_repository.h"

#include <algorithm>
#include <array>

#include "core/name_table.h"

namespace gov::store {

namespace {

constexpr const char* kColumns =
    "seq, id, target, at, epoch, from_replicas, to_replicas, reason, actuation, error, "
    "record_json";

// ActuationName's table, indexed by the enum's values.
constexpr std::array<std::string_view, 6> kActuationNames = {"none",   "pending", "applied",
                                                             "failed", "dryRun",  "unknown"};
static_assert(kActuationNames.size() == static_cast<size_t>(Actuation::kUnknown) + 1);

core::StatusOr<DecisionRecord> FromRow(const Row& row) {
  DecisionRecord d;
  d.seq = row.Int(0);
  d.id = row.Text(1);
  d.target = row.Text(2);
  d.at = core::FromUnixMillis(row.Int(3));
  d.epoch = row.Int(4);
  d.from_replicas = row.Int(5);
  d.to_replicas = row.Int(6);
  d.reason = row.Text(7);
  core::StatusOr<Actuation> actuation = ParseActuation(row.Text(8));
  if (!actuation.ok()) {
    return core::Internal("decision " + d.id + ": " + actuation.status().message());
  }
  d.actuation = *actuation;
  d.error = row.OptText(9);
  d.record_json = row.Text(10);
  return d;
}

SqlValue OptText(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return *s;
}

}  // namespace

std::string_view ActuationName(Actuation actuation) {
  return kActuationNames[static_cast<size_t>(actuation)];
}

core::StatusOr<Actuation> ParseActuation(std::string_view name) {
  if (auto actuation = core::FindName<Actuation>(kActuationNames, name)) return *actuation;
  return core::InvalidArgument("unknown actuation \"" + std::string(name) + "\"");
}

// INSERT ... SELECT ... WHERE EXISTS skips a target deleted since the loop read it (see
// TargetStateRepository::Upsert for the casts).
core::StatusOr<std::optional<int64_t>> DecisionRepository::Insert(Transaction& tx,
                                                                  const DecisionRecord& d) {
  ASSIGN_OR_RETURN(
      auto rs,
      tx.Exec(
          "INSERT INTO target_decisions (id, target, at, epoch, from_replicas, to_replicas, "
          "reason, actuation, error, record_json) "
          "SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), CAST($3 AS BIGINT), "
          "CAST($4 AS BIGINT), CAST($5 AS BIGINT), CAST($6 AS BIGINT), CAST($7 AS TEXT), "
          "CAST($8 AS TEXT), CAST($9 AS TEXT), CAST($10 AS TEXT) "
          "WHERE EXISTS (SELECT 1 FROM targets WHERE name = CAST($2 AS TEXT)) "
          "RETURNING seq",
          {d.id, d.target, core::ToUnixMillis(d.at), d.epoch, d.from_replicas, d.to_replicas,
           d.reason, std::string(ActuationName(d.actuation)), OptText(d.error), d.record_json}));
  if (rs.rows.empty()) return std::optional<int64_t>();
  return std::optional<int64_t>(rs.rows[0].Int(0));
}

core::Status DecisionRepository::SetActuation(Transaction& tx, const std::string& id,
                                              Actuation actuation,
                                              const std::optional<std::string>& error,
                                              const std::string& record_json) {
  ASSIGN_OR_RETURN(
      auto rs, tx.Exec("UPDATE target_decisions SET actuation = $1, error = $2, "
                       "record_json = $3 WHERE id = $4",
                       {std::string(ActuationName(actuation)), OptText(error), record_json, id}));
  if (rs.affected_rows == 0) return core::NotFound("decision " + id + " not found");
  return core::Status::Ok();
}

core::StatusOr<Page<DecisionRecord>> DecisionRepository::List(Transaction& tx,
                                                              const std::string& target,
                                                              const PageRequest& page) {
  ASSIGN_OR_RETURN(const int64_t before, ParseSeqCursor(page.cursor));
  const int64_t limit = PageLimit(page);
  ASSIGN_OR_RETURN(auto rs, tx.Exec(std::string("SELECT ") + kColumns +
                                        " FROM target_decisions WHERE target = $1 AND seq < $2 "
                                        "ORDER BY seq DESC LIMIT $3",
                                    {target, before, limit + 1}));
  std::vector<DecisionRecord> records;
  records.reserve(rs.rows.size());
  for (const auto& row : rs.rows) {
    ASSIGN_OR_RETURN(DecisionRecord d, FromRow(row));
    records.push_back(std::move(d));
  }
  return MakePage(
      records, limit, [](const DecisionRecord& d) { return d; },
      [](const DecisionRecord& last) { return std::to_string(last.seq); });
}

core::StatusOr<std::optional<DecisionRecord>> DecisionRepository::Latest(
    Transaction& tx, const std::string& target) {
  ASSIGN_OR_RETURN(auto page, List(tx, target, PageRequest{1, ""}));
  if (page.items.empty()) return std::optional<DecisionRecord>();
  return std::optional<DecisionRecord>(std::move(page.items.front()));
}

core::StatusOr<int64_t> DecisionRepository::Prune(Transaction& tx, const std::string& target,
                                                  int64_t keep) {
  ASSIGN_OR_RETURN(auto cut, tx.Exec("SELECT seq FROM target_decisions WHERE target = $1 "
                                     "ORDER BY seq DESC LIMIT 1 OFFSET $2",
                                     {target, std::max<int64_t>(keep, 0)}));
  if (cut.rows.empty()) return int64_t{0};
  ASSIGN_OR_RETURN(auto rs, tx.Exec("DELETE FROM target_decisions WHERE target = $1 AND seq <= $2",
                                    {target, cut.rows[0].Int(0)}));
  return rs.affected_rows;
}

core::StatusOr<int64_t> DecisionRepository::MarkAbandoned(Transaction& tx, int64_t epoch,
                                                          const std::string& message) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("UPDATE target_decisions SET actuation = $1, error = $2 "
                                    "WHERE actuation = $3 AND epoch < $4",
                                    {std::string(ActuationName(Actuation::kUnknown)), message,
                                     std::string(ActuationName(Actuation::kPending)), epoch}));
  return rs.affected_rows;
}

core::StatusOr<std::optional<int64_t>> SqlDecisionWriter::Insert(Transaction& tx,
                                                                 const DecisionRecord& decision) {
  return DecisionRepository::Insert(tx, decision);
}

core::Status SqlDecisionWriter::SetActuation(Transaction& tx, const std::string& id,
                                             Actuation actuation,
                                             const std::optional<std::string>& error,
                                             const std::string& record_json) {
  return DecisionRepository::SetActuation(tx, id, actuation, error, record_json);
}

core::StatusOr<int64_t> SqlDecisionWriter::Prune(Transaction& tx, const std::string& target,
                                                 int64_t keep) {
  return DecisionRepository::Prune(tx, target, keep);
}

core::StatusOr<int64_t> SqlDecisionWriter::MarkAbandoned(Transaction& tx, int64_t epoch,
                                                         const std::string& message) {
  return DecisionRepository::MarkAbandoned(tx, epoch, message);
}

}  // namespace gov::store
