#include "store/audit_repository.h"

namespace gov::store {

namespace {

SqlValue OptText(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return *s;
}

AuditEntry EntryFromRow(const Row& r) {
  return {r.Int(0),     core::FromUnixMillis(r.Int(1)),
          r.Text(2),    r.Text(3),
          r.Text(4),    r.OptText(5),
          r.OptText(6), r.Text(7)};
}

}  // namespace

core::StatusOr<int64_t> AuditRepository::Append(Transaction& tx, const AuditEntry& e) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("INSERT INTO audit_log (at, actor, action, resource, "
                                    "before_json, after_json, request_id) "
                                    "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq",
                                    {core::ToUnixMillis(e.at), e.actor, e.action, e.resource,
                                     OptText(e.before_json), OptText(e.after_json), e.request_id}));
  return rs.rows.at(0).Int(0);
}

core::Status AuditRepository::Record(Transaction& tx, const AuditActor& actor, core::TimePoint at,
                                     const std::string& action, const std::string& resource,
                                     std::optional<std::string> before_json,
                                     std::optional<std::string> after_json) {
  return Append(tx, {0, at, actor.name, action, resource, std::move(before_json),
                     std::move(after_json), actor.request_id})
      .status();
}

core::StatusOr<Page<AuditEntry>> AuditRepository::List(Transaction& tx, const PageRequest& page,
                                                       const std::string& resource_prefix) {
  ASSIGN_OR_RETURN(const int64_t before, ParseSeqCursor(page.cursor));
  const int64_t limit = PageLimit(page);
  ASSIGN_OR_RETURN(auto rs,
                   tx.Exec("SELECT seq, at, actor, action, resource, before_json, after_json, "
                           "request_id FROM audit_log WHERE seq < $1 AND "
                           "(CAST($2 AS TEXT) = '' OR "
                           "substr(resource, 1, length(CAST($2 AS TEXT))) = CAST($2 AS TEXT)) "
                           "ORDER BY seq DESC LIMIT $3",
                           {before, resource_prefix, limit + 1}));
  return MakePage(rs.rows, limit, EntryFromRow,
                  [](const AuditEntry& last) { return std::to_string(last.seq); });
}

core::Status SqlAuditLog::Record(Transaction& tx, const AuditActor& actor, core::TimePoint at,
                                 const std::string& action, const std::string& resource,
                                 std::optional<std::string> before_json,
                                 std::optional<std::string> after_json) {
  return AuditRepository::Record(tx, actor, at, action, resource, std::move(before_json),
                                 std::move(after_json));
}

core::StatusOr<Page<AuditEntry>> SqlAuditLog::List(Transaction& tx, const PageRequest& page,
                                                   const std::string& resource_prefix) {
  return AuditRepository::List(tx, page, resource_prefix);
}

}  // namespace gov::store
