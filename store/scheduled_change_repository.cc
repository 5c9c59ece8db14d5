#include "store/scheduled_change_repository.h"

namespace gov::store {

namespace {

constexpr const char* kColumns =
    "id, feature, environment, action, at, state, created_by, created_at, finished_at";

ScheduledChangeRecord FromRow(const Row& row) {
  ScheduledChangeRecord c;
  c.id = row.Int(0);
  c.feature = row.Text(1);
  c.environment = row.Text(2);
  c.action = row.Text(3);
  c.at = core::FromUnixMillis(row.Int(4));
  c.state = row.Text(5);
  c.created_by = row.Text(6);
  c.created_at = core::FromUnixMillis(row.Int(7));
  if (auto ms = row.OptInt(8)) c.finished_at = core::FromUnixMillis(*ms);
  return c;
}

std::string IdCursor(const ScheduledChangeRecord& last) { return std::to_string(last.id); }

}  // namespace

core::StatusOr<ScheduledChangeRecord> ScheduledChangeRepository::Insert(
    Transaction& tx, const ScheduledChangeRecord& change) {
  core::StatusOr<ResultSet> rs = tx.Exec(
      "INSERT INTO scheduled_changes (feature, environment, action, at, state, created_by, "
      "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
      {change.feature, change.environment, change.action, core::ToUnixMillis(change.at),
       std::string(kScheduledChangePending), change.created_by,
       core::ToUnixMillis(change.created_at)});
  if (rs.status().code() == core::StatusCode::kFailedPrecondition) {
    return core::FailedPrecondition("feature " + change.feature + " or environment " +
                                    change.environment + " does not exist");
  }
  if (!rs.ok()) return rs.status();
  ScheduledChangeRecord out = change;
  out.id = rs->rows.at(0).Int(0);
  out.state = kScheduledChangePending;
  out.finished_at.reset();
  return out;
}

core::StatusOr<std::optional<ScheduledChangeRecord>> ScheduledChangeRepository::Find(
    Transaction& tx, int64_t id) {
  ASSIGN_OR_RETURN(
      auto rs,
      tx.Exec(std::string("SELECT ") + kColumns + " FROM scheduled_changes WHERE id = $1", {id}));
  if (rs.rows.empty()) return std::optional<ScheduledChangeRecord>();
  return std::optional<ScheduledChangeRecord>(FromRow(rs.rows[0]));
}

core::StatusOr<Page<ScheduledChangeRecord>> ScheduledChangeRepository::ListForFlag(
    Transaction& tx, const std::string& feature, const std::string& environment,
    const PageRequest& page) {
  ASSIGN_OR_RETURN(int64_t before, ParseSeqCursor(page.cursor));
  const int64_t limit = PageLimit(page);
  ASSIGN_OR_RETURN(auto rs, tx.Exec(std::string("SELECT ") + kColumns +
                                        " FROM scheduled_changes WHERE feature = $1 AND "
                                        "environment = $2 AND id < $3 ORDER BY id DESC LIMIT $4",
                                    {feature, environment, before, limit + 1}));
  return MakePage(rs.rows, limit, FromRow, IdCursor);
}

core::StatusOr<Page<ScheduledChangeRecord>> ScheduledChangeRepository::List(
    Transaction& tx, const std::optional<std::string>& state, const PageRequest& page) {
  ASSIGN_OR_RETURN(int64_t before, ParseSeqCursor(page.cursor));
  const int64_t limit = PageLimit(page);
  core::StatusOr<ResultSet> rs =
      state ? tx.Exec(std::string("SELECT ") + kColumns +
                          " FROM scheduled_changes WHERE state = $1 AND id < $2 "
                          "ORDER BY id DESC LIMIT $3",
                      {*state, before, limit + 1})
            : tx.Exec(std::string("SELECT ") + kColumns +
                          " FROM scheduled_changes WHERE id < $1 ORDER BY id DESC LIMIT $2",
                      {before, limit + 1});
  if (!rs.ok()) return rs.status();
  return MakePage(rs->rows, limit, FromRow, IdCursor);
}

core::StatusOr<std::vector<ScheduledChangeRecord>> ScheduledChangeRepository::ListDue(
    Transaction& tx, core::TimePoint now, int64_t limit) {
  ASSIGN_OR_RETURN(auto rs,
                   tx.Exec(std::string("SELECT ") + kColumns +
                               " FROM scheduled_changes WHERE state = $1 AND at <= $2 "
                               "ORDER BY at, id LIMIT $3",
                           {std::string(kScheduledChangePending), core::ToUnixMillis(now), limit}));
  std::vector<ScheduledChangeRecord> out;
  out.reserve(rs.rows.size());
  for (const auto& row : rs.rows) out.push_back(FromRow(row));
  return out;
}

core::StatusOr<bool> ScheduledChangeRepository::Finish(Transaction& tx, int64_t id,
                                                       const std::string& state,
                                                       core::TimePoint now) {
  ASSIGN_OR_RETURN(
      auto rs, tx.Exec("UPDATE scheduled_changes SET state = $1, finished_at = $2 "
                       "WHERE id = $3 AND state = $4",
                       {state, core::ToUnixMillis(now), id, std::string(kScheduledChangePending)}));
  return rs.affected_rows > 0;
}

}  // namespace gov::store
