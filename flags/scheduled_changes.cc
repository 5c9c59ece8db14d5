#include "flags/scheduled_changes.h"

#include <set>
#include <utility>

#include "core/name_table.h"
#include "core/time_format.h"

namespace gov::flags {

namespace {

std::string_view ActionName(ScheduledAction action) {
  return kScheduledActionNames[static_cast<size_t>(action)];
}

std::string_view StateName(ScheduledChangeState state) {
  return kScheduledChangeStateNames[static_cast<size_t>(state)];
}

// A stored record as the service's model; kInternal when a stored name is unknown.
core::StatusOr<ScheduledChange> FromRecord(const store::ScheduledChangeRecord& r) {
  auto action = core::FindName<ScheduledAction>(kScheduledActionNames, r.action);
  auto state = core::FindName<ScheduledChangeState>(kScheduledChangeStateNames, r.state);
  if (!action || !state) {
    return core::Internal("scheduled change " + std::to_string(r.id) + " has action \"" + r.action +
                          "\" and state \"" + r.state + "\"");
  }
  return ScheduledChange{r.id,   r.feature,    r.environment, *action,      r.at,
                         *state, r.created_by, r.created_at,  r.finished_at};
}

core::StatusOr<store::Page<ScheduledChange>> FromPage(
    const store::Page<store::ScheduledChangeRecord>& page) {
  store::Page<ScheduledChange> out;
  out.next_cursor = page.next_cursor;
  for (const auto& r : page.items) {
    ASSIGN_OR_RETURN(ScheduledChange c, FromRecord(r));
    out.items.push_back(std::move(c));
  }
  return out;
}

std::string Resource(const ScheduledChange& c) {
  return "flags/" + c.feature + "/environments/" + c.environment + "/schedule/" +
         std::to_string(c.id);
}

std::string AuditJson(const ScheduledChange& c) { return ScheduledChangeToJson(c).dump(); }

// The body of Create: {"at", "action"}, every other field refused.
struct ScheduleRequest {
  core::TimePoint at;
  ScheduledAction action = ScheduledAction::kOn;
};

core::StatusOr<ScheduleRequest> ParseScheduleRequest(const core::Json& body, core::TimePoint now) {
  if (!body.is_object()) return core::InvalidArgument("expected a JSON object", "body");
  for (const auto& [key, value] : body.items()) {
    if (key != "at" && key != "action") return core::InvalidArgument("unknown field", key);
  }
  ScheduleRequest out;
  if (!body.contains("at") || !body["at"].is_string()) {
    return core::InvalidArgument("is required: an RFC 3339 date-time", "at");
  }
  const std::string at = body["at"].get<std::string>();
  // A date-time, not a bare date: RFC 3339 has a time and a zone.
  std::optional<core::TimePoint> parsed;
  if (at.size() > 10) parsed = core::ParseRfc3339(at);
  if (!parsed) {
    return core::InvalidArgument(
        "expected an RFC 3339 date-time such as 2026-12-10T09:00:00Z, got \"" + at + "\"", "at");
  }
  if (*parsed < now) {
    return core::InvalidArgument("is in the past (now is " + core::FormatRfc3339(now) + ")", "at");
  }
  out.at = *parsed;
  if (!body.contains("action") || !body["action"].is_string()) {
    return core::InvalidArgument("is required: \"on\" or \"off\"", "action");
  }
  auto action =
      core::FindName<ScheduledAction>(kScheduledActionNames, body["action"].get<std::string>());
  if (!action) return core::InvalidArgument("expected \"on\" or \"off\"", "action");
  out.action = *action;
  return out;
}

}  // namespace

core::Json ScheduledChangeToJson(const ScheduledChange& c) {
  core::Json j{{"id", c.id},
               {"feature", c.feature},
               {"environment", c.environment},
               {"action", ActionName(c.action)},
               {"at", core::FormatRfc3339(c.at)},
               {"state", StateName(c.state)},
               {"createdBy", c.created_by},
               {"createdAt", core::FormatRfc3339(c.created_at)}};
  if (c.finished_at && c.state == ScheduledChangeState::kDone) {
    j["doneAt"] = core::FormatRfc3339(*c.finished_at);
  }
  if (c.finished_at && c.state == ScheduledChangeState::kCancelled) {
    j["cancelledAt"] = core::FormatRfc3339(*c.finished_at);
  }
  return j;
}

core::Status ScheduledChangeService::RequireFlag(store::Transaction& tx, const std::string& feature,
                                                 const std::string& environment) {
  auto found = repos_.flags.GetFeature(tx, feature);
  if (found.status().code() == core::StatusCode::kNotFound) {
    return core::Status(core::StatusCode::kNotFound, "feature " + feature + " not found",
                        "feature");
  }
  RETURN_IF_ERROR(found.status());
  ASSIGN_OR_RETURN(bool exists, repos_.environments.Exists(tx, environment));
  if (!exists) {
    return core::Status(core::StatusCode::kNotFound, "environment " + environment + " not found",
                        "environment");
  }
  return core::Status::Ok();
}

core::StatusOr<ScheduledChange> ScheduledChangeService::Create(const store::AuditActor& author,
                                                               const std::string& feature,
                                                               const std::string& environment,
                                                               const core::Json& body) {
  const core::TimePoint now = clock_.Now();
  std::optional<ScheduledChange> created;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        RETURN_IF_ERROR(RequireFlag(tx, feature, environment));
        ASSIGN_OR_RETURN(ScheduleRequest request, ParseScheduleRequest(body, now));
        store::ScheduledChangeRecord record;
        record.feature = feature;
        record.environment = environment;
        record.action = std::string(ActionName(request.action));
        record.at = request.at;
        record.created_by = author.name;
        record.created_at = now;
        ASSIGN_OR_RETURN(record, store::ScheduledChangeRepository::Insert(tx, record));
        ASSIGN_OR_RETURN(created, FromRecord(record));
        return repos_.audit.Record(tx, author, now, "flag.schedule.create", Resource(*created),
                                   std::nullopt, AuditJson(*created));
      }));
  return std::move(*created);
}

core::StatusOr<store::Page<ScheduledChange>> ScheduledChangeService::ListForFlag(
    const std::string& feature, const std::string& environment, const store::PageRequest& page) {
  store::Page<store::ScheduledChangeRecord> records;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        RETURN_IF_ERROR(RequireFlag(tx, feature, environment));
        ASSIGN_OR_RETURN(
            records, store::ScheduledChangeRepository::ListForFlag(tx, feature, environment, page));
        return core::Status::Ok();
      }));
  return FromPage(records);
}

core::StatusOr<store::Page<ScheduledChange>> ScheduledChangeService::List(
    const std::optional<std::string>& state, const store::PageRequest& page) {
  if (state && !core::FindName<ScheduledChangeState>(kScheduledChangeStateNames, *state)) {
    return core::InvalidArgument("expected \"pending\", \"done\" or \"cancelled\"", "state");
  }
  store::Page<store::ScheduledChangeRecord> records;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(records, store::ScheduledChangeRepository::List(tx, state, page));
        return core::Status::Ok();
      }));
  return FromPage(records);
}

core::StatusOr<ScheduledChange> ScheduledChangeService::Cancel(const store::AuditActor& author,
                                                               const std::string& feature,
                                                               const std::string& environment,
                                                               int64_t id) {
  const core::TimePoint now = clock_.Now();
  std::optional<ScheduledChange> after;
  RETURN_IF_ERROR(store::WithTransaction(
      db_, store::TxMode::kReadWrite, [&](store::Transaction& tx) -> core::Status {
        RETURN_IF_ERROR(RequireFlag(tx, feature, environment));
        ASSIGN_OR_RETURN(auto found, store::ScheduledChangeRepository::Find(tx, id));
        if (!found || found->feature != feature || found->environment != environment) {
          return core::NotFound("scheduled change " + std::to_string(id) + " of " + feature +
                                " in " + environment + " not found");
        }
        ASSIGN_OR_RETURN(ScheduledChange before, FromRecord(*found));
        ASSIGN_OR_RETURN(bool cancelled, store::ScheduledChangeRepository::Finish(
                                             tx, id, store::kScheduledChangeCancelled, now));
        if (!cancelled || before.state != ScheduledChangeState::kPending) {
          return core::Conflict("scheduled change " + std::to_string(id) + " is " +
                                std::string(StateName(before.state)) +
                                ": only a pending change can be cancelled");
        }
        after = before;
        after->state = ScheduledChangeState::kCancelled;
        after->finished_at = now;
        return repos_.audit.Record(tx, author, now, "flag.schedule.cancel", Resource(before),
                                   AuditJson(before), AuditJson(*after));
      }));
  return std::move(*after);
}

core::Status ScheduledChangeService::RunOne(const store::ScheduledChangeRecord& record,
                                            core::TimePoint now, bool& skipped) {
  ASSIGN_OR_RETURN(ScheduledChange change, FromRecord(record));
  const store::AuditActor actor{"schedule:" + std::to_string(change.id), ""};
  bool finished_elsewhere = false;
  auto flag = flags_.SetEnabledWithin(
      actor, change.feature, change.environment, change.action == ScheduledAction::kOn,
      [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(bool claimed, store::ScheduledChangeRepository::Finish(
                                           tx, change.id, store::kScheduledChangeDone, now));
        if (!claimed) {
          // Done or cancelled since it was listed: roll back and leave the flag alone.
          finished_elsewhere = true;
          return core::Conflict("scheduled change " + std::to_string(change.id) +
                                " is no longer pending");
        }
        ScheduledChange done = change;
        done.state = ScheduledChangeState::kDone;
        done.finished_at = now;
        return repos_.audit.Record(tx, actor, now, "flag.schedule.run", Resource(change),
                                   AuditJson(change), AuditJson(done));
      });
  skipped = finished_elsewhere;
  if (finished_elsewhere) return core::Status::Ok();
  if (!flag.ok()) {
    return core::Status(flag.status().code(),
                        "scheduled change " + std::to_string(change.id) + " (" + change.feature +
                            " " + std::string(ActionName(change.action)) + " in " +
                            change.environment + "): " + flag.status().message());
  }
  return core::Status::Ok();
}

RunDueResult ScheduledChangeService::RunDue(core::TimePoint now, int64_t limit) {
  RunDueResult result;
  std::vector<store::ScheduledChangeRecord> due;
  core::Status listed = store::WithTransaction(
      db_, store::TxMode::kReadOnly, [&](store::Transaction& tx) -> core::Status {
        ASSIGN_OR_RETURN(due, store::ScheduledChangeRepository::ListDue(tx, now, limit));
        return core::Status::Ok();
      });
  if (!listed.ok()) {
    result.errors.push_back(listed);
    return result;
  }
  // A flag whose change failed keeps its later changes for the next run, so that a flag's
  // changes run in the order of their times.
  std::set<std::pair<std::string, std::string>> failed;
  for (const auto& record : due) {
    if (failed.count({record.feature, record.environment})) continue;
    bool skipped = false;
    core::Status s = RunOne(record, now, skipped);
    if (!s.ok()) {
      failed.insert({record.feature, record.environment});
      result.errors.push_back(s);
      continue;
    }
    if (skipped) continue;
    auto change = FromRecord(record);
    change->state = ScheduledChangeState::kDone;
    change->finished_at = now;
    result.done.push_back(std::move(*change));
  }
  return result;
}

RunDueResult ScheduledChangeRunner::Tick() {
  if (!options_.leading || !options_.leading()) return {};
  RunDueResult result = service_.RunDue(clock_.Now());
  if (options_.log) {
    for (const auto& c : result.done) {
      options_.log("scheduled change " + std::to_string(c.id) + " done: " + c.feature + " " +
                   std::string(ActionName(c.action)) + " in " + c.environment);
    }
    for (const auto& e : result.errors) options_.log("scheduled changes: " + e.ToString());
  }
  return result;
}

void ScheduledChangeRunner::Start() {
  thread_.Start(options_.interval, [this] { Tick(); });
}

void ScheduledChangeRunner::Stop() { thread_.Stop(); }

}  // namespace gov::flags
