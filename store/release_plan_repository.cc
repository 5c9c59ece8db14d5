#include "store/release_plan_repository.h"

namespace gov::store {

namespace {

constexpr const char* kColumns =
    "name, feature, environment, spec_json, state, milestone, milestone_started_at, rollout, "
    "guardrails_json, version, created_at, updated_at, created_by";

// The predicate of the partial unique index release_plans_one_active (migration 10), written
// exactly as there so that SQLite's planner can use the index.
constexpr const char* kActive = "state IN ('running', 'paused')";

bool IsActive(const std::string& state) {
  return state == kReleasePlanStateRunning || state == kReleasePlanStatePaused;
}

SqlValue OptMillis(const std::optional<core::TimePoint>& t) {
  if (!t) return nullptr;
  return core::ToUnixMillis(*t);
}

ReleasePlanRecord FromRow(const Row& row) {
  ReleasePlanRecord p;
  p.name = row.Text(0);
  p.feature = row.Text(1);
  p.environment = row.Text(2);
  p.spec_json = row.Text(3);
  p.state = row.Text(4);
  p.milestone = row.Int(5);
  if (auto ms = row.OptInt(6)) p.milestone_started_at = core::FromUnixMillis(*ms);
  p.rollout = row.Int(7);
  p.guardrails_json = row.Text(8);
  p.version = row.Int(9);
  p.created_at = core::FromUnixMillis(row.Int(10));
  p.updated_at = core::FromUnixMillis(row.Int(11));
  p.created_by = row.Text(12);
  return p;
}

std::vector<ReleasePlanRecord> Records(const ResultSet& rs) {
  std::vector<ReleasePlanRecord> out;
  out.reserve(rs.rows.size());
  for (const auto& row : rs.rows) out.push_back(FromRow(row));
  return out;
}

core::Status SecondActive(const std::string& environment, const std::string& feature,
                          const std::string& other) {
  return core::Conflict("release plan " + other + " already drives feature " + feature +
                        " in environment " + environment);
}

// kConflict when a plan other than `name` is active on (environment, feature). Checked before
// writing so that the common case does not trip the unique index, which on PostgreSQL would
// abort the caller's transaction.
core::Status CheckNoOtherActive(Transaction& tx, const std::string& name,
                                const std::string& environment, const std::string& feature) {
  ASSIGN_OR_RETURN(auto active, ReleasePlanRepository::FindActive(tx, environment, feature));
  if (active && active->name != name) return SecondActive(environment, feature, active->name);
  return core::Status::Ok();
}

core::Status VersionConflict(const std::string& name, int64_t current, int64_t expected) {
  return core::Conflict("release plan " + name + " is at version " + std::to_string(current) +
                        ", not " + std::to_string(expected));
}

ReleasePlanHistoryRecord HistoryFromRow(const Row& row) {
  ReleasePlanHistoryRecord h;
  h.seq = row.Int(0);
  h.plan = row.Text(1);
  h.at = core::FromUnixMillis(row.Int(2));
  h.from_state = row.Text(3);
  h.to_state = row.Text(4);
  h.from_milestone = row.Int(5);
  h.to_milestone = row.Int(6);
  h.cause_json = row.OptText(7);
  return h;
}

ReleasePlanTemplateRecord TemplateFromRow(const Row& row) {
  ReleasePlanTemplateRecord t;
  t.name = row.Text(0);
  t.spec_json = row.Text(1);
  t.created_at = core::FromUnixMillis(row.Int(2));
  t.updated_at = core::FromUnixMillis(row.Int(3));
  return t;
}

}  // namespace

core::Status ReleasePlanRepository::Insert(Transaction& tx, const ReleasePlanRecord& p) {
  ASSIGN_OR_RETURN(auto existing, Find(tx, p.name));
  if (existing) return core::AlreadyExists("release plan " + p.name + " already exists");
  if (IsActive(p.state)) RETURN_IF_ERROR(CheckNoOtherActive(tx, p.name, p.environment, p.feature));
  core::Status s =
      tx.Exec(std::string("INSERT INTO release_plans (") + kColumns +
                  ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11, $12)",
              {p.name, p.feature, p.environment, p.spec_json, p.state, p.milestone,
               OptMillis(p.milestone_started_at), p.rollout, p.guardrails_json,
               core::ToUnixMillis(p.created_at), core::ToUnixMillis(p.updated_at), p.created_by})
          .status();
  if (s.code() == core::StatusCode::kAlreadyExists) {
    // A concurrent writer took the name or the feature between the checks and the insert.
    return core::Conflict("release plan " + p.name + " or another active plan on feature " +
                          p.feature + " in environment " + p.environment +
                          " was written concurrently");
  }
  if (s.code() == core::StatusCode::kFailedPrecondition) {
    return core::FailedPrecondition("environment " + p.environment + " does not exist");
  }
  return s;
}

core::StatusOr<std::optional<ReleasePlanRecord>> ReleasePlanRepository::Find(
    Transaction& tx, const std::string& name) {
  ASSIGN_OR_RETURN(
      auto rs,
      tx.Exec(std::string("SELECT ") + kColumns + " FROM release_plans WHERE name = $1", {name}));
  if (rs.rows.empty()) return std::optional<ReleasePlanRecord>();
  return std::optional<ReleasePlanRecord>(FromRow(rs.rows[0]));
}

core::StatusOr<ReleasePlanRecord> ReleasePlanRepository::Get(Transaction& tx,
                                                             const std::string& name) {
  ASSIGN_OR_RETURN(auto found, Find(tx, name));
  if (!found) return core::NotFound("release plan " + name + " not found");
  return std::move(*found);
}

core::StatusOr<Page<ReleasePlanRecord>> ReleasePlanRepository::List(Transaction& tx,
                                                                    const PageRequest& page) {
  const int64_t limit = PageLimit(page);
  ASSIGN_OR_RETURN(auto rs, tx.Exec(std::string("SELECT ") + kColumns +
                                        " FROM release_plans WHERE name > $1 ORDER BY name "
                                        "LIMIT $2",
                                    {page.cursor, limit + 1}));
  return MakePage(rs.rows, limit, FromRow, [](const ReleasePlanRecord& last) { return last.name; });
}

core::StatusOr<bool> ReleasePlanRepository::UpdateState(Transaction& tx, const std::string& name,
                                                        int64_t expected_version,
                                                        const ReleasePlanStateUpdate& u,
                                                        core::TimePoint now) {
  ASSIGN_OR_RETURN(ReleasePlanRecord current, Get(tx, name));
  if (current.version != expected_version) return false;
  if (IsActive(u.state) && !IsActive(current.state)) {
    RETURN_IF_ERROR(CheckNoOtherActive(tx, name, current.environment, current.feature));
  }
  core::StatusOr<ResultSet> rs = tx.Exec(
      "UPDATE release_plans SET state = $1, milestone = $2, milestone_started_at = $3, "
      "rollout = $4, guardrails_json = $5, version = version + 1, updated_at = $6 "
      "WHERE name = $7 AND version = $8",
      {u.state, u.milestone, OptMillis(u.milestone_started_at), u.rollout, u.guardrails_json,
       core::ToUnixMillis(now), name, expected_version});
  if (rs.status().code() == core::StatusCode::kAlreadyExists) {
    return core::Conflict("another active release plan on feature " + current.feature +
                          " in environment " + current.environment + " was written concurrently");
  }
  if (!rs.ok()) return rs.status();
  return rs->affected_rows > 0;
}

core::Status ReleasePlanRepository::Delete(Transaction& tx, const std::string& name,
                                           std::optional<int64_t> expected_version) {
  ASSIGN_OR_RETURN(ReleasePlanRecord current, Get(tx, name));
  if (expected_version && *expected_version != current.version) {
    return VersionConflict(name, current.version, *expected_version);
  }
  if (IsActive(current.state)) {
    return core::Conflict("release plan " + name + " is " + current.state +
                          ": roll it back or let it complete before deleting it");
  }
  ASSIGN_OR_RETURN(auto rs, tx.Exec(std::string("DELETE FROM release_plans WHERE name = $1 AND "
                                                "version = $2 AND NOT (") +
                                        kActive + ")",
                                    {name, current.version}));
  if (rs.affected_rows == 0) {
    ASSIGN_OR_RETURN(ReleasePlanRecord now_current, Get(tx, name));
    if (now_current.version != current.version) {
      return VersionConflict(name, now_current.version, current.version);
    }
    return core::Conflict("release plan " + name + " is " + now_current.state);
  }
  return core::Status::Ok();
}

core::StatusOr<std::optional<ReleasePlanRecord>> ReleasePlanRepository::FindActive(
    Transaction& tx, const std::string& environment, const std::string& feature) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec(std::string("SELECT ") + kColumns +
                                        " FROM release_plans WHERE environment = $1 AND "
                                        "feature = $2 AND " +
                                        kActive,
                                    {environment, feature}));
  if (rs.rows.empty()) return std::optional<ReleasePlanRecord>();
  return std::optional<ReleasePlanRecord>(FromRow(rs.rows[0]));
}

core::StatusOr<std::vector<ReleasePlanRecord>> ReleasePlanRepository::ListActive(Transaction& tx) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec(std::string("SELECT ") + kColumns +
                                    " FROM release_plans WHERE " + kActive + " ORDER BY name"));
  return Records(rs);
}

core::StatusOr<int64_t> ReleasePlanRepository::AppendHistory(Transaction& tx,
                                                             const ReleasePlanHistoryRecord& h) {
  SqlValue cause = nullptr;
  if (h.cause_json) cause = *h.cause_json;
  core::StatusOr<ResultSet> rs = tx.Exec(
      "INSERT INTO release_plan_history (plan, at, from_state, to_state, from_milestone, "
      "to_milestone, cause_json) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq",
      {h.plan, core::ToUnixMillis(h.at), h.from_state, h.to_state, h.from_milestone, h.to_milestone,
       cause});
  if (rs.status().code() == core::StatusCode::kFailedPrecondition) {
    return core::FailedPrecondition("release plan " + h.plan + " does not exist");
  }
  if (!rs.ok()) return rs.status();
  if (rs->rows.empty()) return core::Internal("release plan history insert returned no seq");
  return rs->rows[0].Int(0);
}

core::StatusOr<std::vector<ReleasePlanHistoryRecord>> ReleasePlanRepository::History(
    Transaction& tx, const std::string& name) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("SELECT seq, plan, at, from_state, to_state, from_milestone, "
                                    "to_milestone, cause_json FROM release_plan_history "
                                    "WHERE plan = $1 ORDER BY seq",
                                    {name}));
  std::vector<ReleasePlanHistoryRecord> out;
  out.reserve(rs.rows.size());
  for (const auto& row : rs.rows) out.push_back(HistoryFromRow(row));
  return out;
}

core::StatusOr<bool> ReleasePlanTemplateRepository::Put(Transaction& tx, const std::string& name,
                                                        const std::string& spec_json,
                                                        core::TimePoint now) {
  ASSIGN_OR_RETURN(auto existing, Find(tx, name));
  const int64_t now_ms = core::ToUnixMillis(now);
  if (existing) {
    RETURN_IF_ERROR(tx.Exec("UPDATE release_plan_templates SET spec_json = $1, updated_at = $2 "
                            "WHERE name = $3",
                            {spec_json, now_ms, name})
                        .status());
    return false;
  }
  core::Status s = tx.Exec(
                         "INSERT INTO release_plan_templates (name, spec_json, created_at, "
                         "updated_at) VALUES ($1, $2, $3, $3)",
                         {name, spec_json, now_ms})
                       .status();
  if (s.code() == core::StatusCode::kAlreadyExists) {
    return core::Conflict("release plan template " + name + " was created concurrently");
  }
  RETURN_IF_ERROR(s);
  return true;
}

core::StatusOr<std::optional<ReleasePlanTemplateRecord>> ReleasePlanTemplateRepository::Find(
    Transaction& tx, const std::string& name) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("SELECT name, spec_json, created_at, updated_at FROM "
                                    "release_plan_templates WHERE name = $1",
                                    {name}));
  if (rs.rows.empty()) return std::optional<ReleasePlanTemplateRecord>();
  return std::optional<ReleasePlanTemplateRecord>(TemplateFromRow(rs.rows[0]));
}

core::StatusOr<ReleasePlanTemplateRecord> ReleasePlanTemplateRepository::Get(
    Transaction& tx, const std::string& name) {
  ASSIGN_OR_RETURN(auto found, Find(tx, name));
  if (!found) return core::NotFound("release plan template " + name + " not found");
  return std::move(*found);
}

core::StatusOr<Page<ReleasePlanTemplateRecord>> ReleasePlanTemplateRepository::List(
    Transaction& tx, const PageRequest& page) {
  const int64_t limit = PageLimit(page);
  ASSIGN_OR_RETURN(auto rs, tx.Exec("SELECT name, spec_json, created_at, updated_at FROM "
                                    "release_plan_templates WHERE name > $1 ORDER BY name "
                                    "LIMIT $2",
                                    {page.cursor, limit + 1}));
  return MakePage(rs.rows, limit, TemplateFromRow,
                  [](const ReleasePlanTemplateRecord& last) { return last.name; });
}

core::Status ReleasePlanTemplateRepository::Delete(Transaction& tx, const std::string& name) {
  ASSIGN_OR_RETURN(auto rs, tx.Exec("DELETE FROM release_plan_templates WHERE name = $1", {name}));
  if (rs.affected_rows == 0) return core::NotFound("release plan template " + name + " not found");
  return core::Status::Ok();
}

core::Status SqlReleasePlanStore::Insert(Transaction& tx, const ReleasePlanRecord& plan) {
  return ReleasePlanRepository::Insert(tx, plan);
}

core::StatusOr<std::optional<ReleasePlanRecord>> SqlReleasePlanStore::Find(
    Transaction& tx, const std::string& name) {
  return ReleasePlanRepository::Find(tx, name);
}

core::StatusOr<Page<ReleasePlanRecord>> SqlReleasePlanStore::List(Transaction& tx,
                                                                  const PageRequest& page) {
  return ReleasePlanRepository::List(tx, page);
}

core::StatusOr<bool> SqlReleasePlanStore::UpdateState(Transaction& tx, const std::string& name,
                                                      int64_t expected_version,
                                                      const ReleasePlanStateUpdate& update,
                                                      core::TimePoint now) {
  return ReleasePlanRepository::UpdateState(tx, name, expected_version, update, now);
}

core::Status SqlReleasePlanStore::Delete(Transaction& tx, const std::string& name,
                                         std::optional<int64_t> expected_version) {
  return ReleasePlanRepository::Delete(tx, name, expected_version);
}

core::StatusOr<std::optional<ReleasePlanRecord>> SqlReleasePlanStore::FindActive(
    Transaction& tx, const std::string& environment, const std::string& feature) {
  return ReleasePlanRepository::FindActive(tx, environment, feature);
}

core::StatusOr<std::vector<ReleasePlanRecord>> SqlReleasePlanStore::ListActive(Transaction& tx) {
  return ReleasePlanRepository::ListActive(tx);
}

core::StatusOr<int64_t> SqlReleasePlanStore::AppendHistory(Transaction& tx,
                                                           const ReleasePlanHistoryRecord& entry) {
  return ReleasePlanRepository::AppendHistory(tx, entry);
}

core::StatusOr<std::vector<ReleasePlanHistoryRecord>> SqlReleasePlanStore::History(
    Transaction& tx, const std::string& name) {
  return ReleasePlanRepository::History(tx, name);
}

core::StatusOr<bool> SqlReleasePlanStore::PutTemplate(Transaction& tx, const std::string& name,
                                                      const std::string& spec_json,
                                                      core::TimePoint now) {
  return ReleasePlanTemplateRepository::Put(tx, name, spec_json, now);
}

core::StatusOr<std::optional<ReleasePlanTemplateRecord>> SqlReleasePlanStore::FindTemplate(
    Transaction& tx, const std::string& name) {
  return ReleasePlanTemplateRepository::Find(tx, name);
}

core::StatusOr<Page<ReleasePlanTemplateRecord>> SqlReleasePlanStore::ListTemplates(
    Transaction& tx, const PageRequest& page) {
  return ReleasePlanTemplateRepository::List(tx, page);
}

core::Status SqlReleasePlanStore::DeleteTemplate(Transaction& tx, const std::string& name) {
  return ReleasePlanTemplateRepository::Delete(tx, name);
}

}  // namespace gov::store
