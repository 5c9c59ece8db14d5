#include "store/outbox_repository.h"

#include <algorithm>

namespace gov::store {

namespace {

constexpr const char* kColumns =
    "id, kind, url, secret_env, payload_json, created_at, attempts, next_attempt_at, last_error, "
    "delivered_at";

OutboxRow FromRow(const Row& row) {
  OutboxRow o;
  o.id = row.Int(0);
  o.kind = row.Text(1);
  o.url = row.Text(2);
  o.secret_env = row.Text(3);
  o.payload_json = row.Text(4);
  o.created_at = core::FromUnixMillis(row.Int(5));
  o.attempts = row.Int(6);
  o.next_attempt_at = core::FromUnixMillis(row.Int(7));
  o.last_error = row.OptText(8);
  if (auto ms = row.OptInt(9)) o.delivered_at = core::FromUnixMillis(*ms);
  return o;
}

core::Status NotFound(int64_t id) {
  return core::NotFound("outbox row " + std::to_string(id) + " not found");
}

}  // namespace

core::StatusOr<int64_t> OutboxRepository::Enqueue(Transaction& tx, const OutboxRow& row) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("INSERT INTO outbox (kind, url, secret_env, payload_json, "
                                    "created_at, attempts, next_attempt_at) "
                                    "VALUES ($1, $2, $3, $4, $5, 0, $6) RETURNING id",
                                    {row.kind, row.url, row.secret_env, row.payload_json,
                                     core::ToUnixMillis(row.created_at),
                                     core::ToUnixMillis(row.next_attempt_at)}));
  if (rs.rows.empty()) return core::Internal("outbox insert returned no id");
  return rs.rows[0].Int(0);
}

// One statement, so that it needs no backend-specific locking clause: the subquery picks the
// oldest due rows and the UPDATE moves them out of "due". The outer WHERE repeats the due
// condition, so a PostgreSQL claimer that waited on another's row locks re-checks each row
// once the other commits and skips those it leased.
core::StatusOr<std::vector<OutboxRow>> OutboxRepository::ClaimDue(Transaction& tx,
                                                                  const std::string& kind,
                                                                  core::TimePoint now,
                                                                  std::chrono::milliseconds lease,
                                                                  int64_t limit) {
  const std::string due = "delivered_at IS NULL AND next_attempt_at <= $2" +
                          std::string(kind.empty() ? "" : " AND kind = $4");
  std::vector<SqlValue> params = {core::ToUnixMillis(now + lease), core::ToUnixMillis(now),
                                  std::max<int64_t>(limit, 1)};
  if (!kind.empty()) params.push_back(kind);
  ASSIGN_OR_RETURN(auto rs, tx.Exec("UPDATE outbox SET next_attempt_at = $1 WHERE id IN "
                                    "(SELECT id FROM outbox WHERE " +
                                        due + " ORDER BY next_attempt_at, id LIMIT $3) AND " + due +
                                        " RETURNING " + kColumns,
                                    params));
  std::vector<OutboxRow> out;
  out.reserve(rs.rows.size());
  for (const auto& row : rs.rows) out.push_back(FromRow(row));
  std::sort(out.begin(), out.end(),
            [](const OutboxRow& a, const OutboxRow& b) { return a.id < b.id; });
  return out;
}

core::Status OutboxRepository::MarkDelivered(Transaction& tx, int64_t id, core::TimePoint at) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("UPDATE outbox SET delivered_at = $1 WHERE id = $2 AND "
                                    "delivered_at IS NULL",
                                    {core::ToUnixMillis(at), id}));
  if (rs.affected_rows == 0) return Get(tx, id).status();  // delivered already, or absent
  return core::Status::Ok();
}

core::Status OutboxRepository::MarkFailed(Transaction& tx, int64_t id, const std::string& error,
                                          core::TimePoint next_attempt_at) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("UPDATE outbox SET attempts = attempts + 1, last_error = $1, "
                                    "next_attempt_at = $2 WHERE id = $3 AND delivered_at IS NULL",
                                    {error, core::ToUnixMillis(next_attempt_at), id}));
  if (rs.affected_rows == 0) return Get(tx, id).status();
  return core::Status::Ok();
}

core::StatusOr<OutboxRow> OutboxRepository::Get(Transaction& tx, int64_t id) {
  ASSIGN_OR_RETURN(auto rs,
                   tx.Exec(std::string("SELECT ") + kColumns + " FROM outbox WHERE id = $1", {id}));
  if (rs.rows.empty()) return NotFound(id);
  return FromRow(rs.rows[0]);
}

core::StatusOr<int64_t> OutboxRepository::PendingCount(Transaction& tx, const std::string& kind) {
  ASSIGN_OR_RETURN(auto rs, kind.empty()
                                ? tx.Exec("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL")
                                : tx.Exec("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL "
                                          "AND kind = $1",
                                          {kind}));
  return rs.rows.at(0).Int(0);
}

core::StatusOr<int64_t> OutboxRepository::PruneDelivered(Transaction& tx, core::TimePoint before) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("DELETE FROM outbox WHERE delivered_at IS NOT NULL AND "
                                    "delivered_at < $1",
                                    {core::ToUnixMillis(before)}));
  return rs.affected_rows;
}

core::StatusOr<int64_t> SqlOutbox::Enqueue(Transaction& tx, const OutboxRow& row) {
  return OutboxRepository::Enqueue(tx, row);
}

core::StatusOr<std::vector<OutboxRow>> SqlOutbox::ClaimDue(Transaction& tx, const std::string& kind,
                                                           core::TimePoint now,
                                                           std::chrono::milliseconds lease,
                                                           int64_t limit) {
  return OutboxRepository::ClaimDue(tx, kind, now, lease, limit);
}

core::Status SqlOutbox::MarkDelivered(Transaction& tx, int64_t id, core::TimePoint at) {
  return OutboxRepository::MarkDelivered(tx, id, at);
}

core::Status SqlOutbox::MarkFailed(Transaction& tx, int64_t id, const std::string& error,
                                   core::TimePoint next_attempt_at) {
  return OutboxRepository::MarkFailed(tx, id, error, next_attempt_at);
}

core::StatusOr<int64_t> SqlOutbox::PendingCount(Transaction& tx, const std::string& kind) {
  return OutboxRepository::PendingCount(tx, kind);
}

}  // namespace gov::store
