#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/database.h"
#include "store/page.h"

namespace gov::store {

// The state texts of an active plan (the rollouts module's wire names): at most one plan per
// (environment, feature) is in either, which a partial unique index enforces.
inline constexpr const char* kReleasePlanStateRunning = "running";
inline constexpr const char* kReleasePlanStatePaused = "paused";

// One release plan as stored (table `release_plans`). The store keeps the validated spec as
// the rollouts module's JSON text and copies out the columns it queries by; what changes as the
// plan runs (state, milestone, rollout, guardrail statuses) has its own columns. Times are
// stored in milliseconds.
struct ReleasePlanRecord {
  std::string name;
  std::string feature;
  std::string environment;
  std::string spec_json;
  std::string state;
  int64_t milestone = 0;  // index into the spec's milestones
  std::optional<core::TimePoint> milestone_started_at;
  int64_t rollout = 0;                 // the percentage the managed strategy has now, 0-100
  std::string guardrails_json = "[]";  // the guardrail statuses, a JSON array
  int64_t version = 1;                 // bumped by every UpdateState
  core::TimePoint created_at;
  core::TimePoint updated_at;
  std::string created_by;
  bool operator==(const ReleasePlanRecord&) const = default;
};

// What one transition (or one guardrail evaluation) writes: every column that changes while
// a plan runs.
struct ReleasePlanStateUpdate {
  std::string state;
  int64_t milestone = 0;
  std::optional<core::TimePoint> milestone_started_at;
  int64_t rollout = 0;
  std::string guardrails_json = "[]";
};

// One entry of a plan's history (table `release_plan_history`).
struct ReleasePlanHistoryRecord {
  int64_t seq = 0;  // assigned by AppendHistory; increases with insertion order
  std::string plan;
  core::TimePoint at;
  std::string from_state;
  std::string to_state;
  int64_t from_milestone = 0;
  int64_t to_milestone = 0;
  std::optional<std::string> cause_json;  // a JSON object, or none for a manual action
  bool operator==(const ReleasePlanHistoryRecord&) const = default;
};

// Release plans and their history, in the caller's transaction, so that one transaction can
// move a plan, append its history, write the audit entry, change the flag and enqueue the
// webhook (store/outbox_repository.h). Deleting a plan deletes its history (ON DELETE CASCADE).
//
// Exactly-once transitions: the caller reads a plan, decides, and calls UpdateState with the
// version it read. The UPDATE matches only that version, so a repeated or concurrent transition
// (another replica, a retry after a crash) updates nothing and gets false, and the caller then
// writes nothing else. On PostgreSQL the row lock that UPDATE takes holds off the other writer
// until this transaction ends.
class ReleasePlanRepository {
 public:
  // Inserts `plan` at version 1 (its `version` is ignored). kAlreadyExists when the name is
  // taken; kConflict when it is active (running or paused) and another active plan drives its
  // feature in its environment; kFailedPrecondition when the environment does not exist.
  static core::Status Insert(Transaction& tx, const ReleasePlanRecord& plan);
  // kNotFound when absent.
  static core::StatusOr<ReleasePlanRecord> Get(Transaction& tx, const std::string& name);
  static core::StatusOr<std::optional<ReleasePlanRecord>> Find(Transaction& tx,
                                                               const std::string& name);
  // Plans by name; the cursor is the last name returned.
  static core::StatusOr<Page<ReleasePlanRecord>> List(Transaction& tx, const PageRequest& page);
  // Writes `update` and bumps the version if the plan is still at `expected_version`;
  // updated_at becomes `now`. Returns true when it wrote, false when the version moved (nothing
  // changed). kNotFound when absent; kConflict when it would make the plan a second active plan
  // on its feature in its environment (on PostgreSQL that also aborts the transaction, so
  // callers check FindActive first).
  static core::StatusOr<bool> UpdateState(Transaction& tx, const std::string& name,
                                          int64_t expected_version,
                                          const ReleasePlanStateUpdate& update,
                                          core::TimePoint now);
  // Deletes the plan and its history if its version is still `expected_version` (any when
  // nullopt). kConflict when the version changed or the plan is active (running or paused: it
  // must be completed or rolled back first); kNotFound when absent.
  static core::Status Delete(Transaction& tx, const std::string& name,
                             std::optional<int64_t> expected_version);
  // The active (running or paused) plan on `feature` in `environment`, if any (served by the
  // partial unique index release_plans_one_active).
  static core::StatusOr<std::optional<ReleasePlanRecord>> FindActive(Transaction& tx,
                                                                     const std::string& environment,
                                                                     const std::string& feature);
  // Every active (running or paused) plan, by name: what the leader's runner drives.
  static core::StatusOr<std::vector<ReleasePlanRecord>> ListActive(Transaction& tx);

  // Appends `entry` to its plan's history (its `seq` is ignored). Returns the assigned seq.
  // kFailedPrecondition when the plan does not exist.
  static core::StatusOr<int64_t> AppendHistory(Transaction& tx,
                                               const ReleasePlanHistoryRecord& entry);
  // The history of plan `name`, oldest first (empty when the plan has none or does not exist).
  static core::StatusOr<std::vector<ReleasePlanHistoryRecord>> History(Transaction& tx,
                                                                       const std::string& name);
};

// One release-plan template (table `release_plan_templates`): a spec without feature and
// environment, as the rollouts module's JSON text. Times are stored in milliseconds.
struct ReleasePlanTemplateRecord {
  std::string name;
  std::string spec_json;
  core::TimePoint created_at;
  core::TimePoint updated_at;
  bool operator==(const ReleasePlanTemplateRecord&) const = default;
};

class ReleasePlanTemplateRepository {
 public:
  // Creates the template or replaces its spec. A new template gets created_at = updated_at =
  // `now`; a replaced one keeps its created_at. Returns true when it created the template.
  static core::StatusOr<bool> Put(Transaction& tx, const std::string& name,
                                  const std::string& spec_json, core::TimePoint now);
  // kNotFound when absent.
  static core::StatusOr<ReleasePlanTemplateRecord> Get(Transaction& tx, const std::string& name);
  static core::StatusOr<std::optional<ReleasePlanTemplateRecord>> Find(Transaction& tx,
                                                                       const std::string& name);
  // Templates by name; the cursor is the last name returned.
  static core::StatusOr<Page<ReleasePlanTemplateRecord>> List(Transaction& tx,
                                                              const PageRequest& page);
  // kNotFound when absent.
  static core::Status Delete(Transaction& tx, const std::string& name);
};

// Release plans, their history and templates as the rollouts service takes them by
// constructor (tests substitute their own); SqlReleasePlanStore is the repositories' SQL over
// the caller's transaction.
class ReleasePlanStore {
 public:
  virtual ~ReleasePlanStore() = default;
  // As the ReleasePlanRepository and ReleasePlanTemplateRepository functions of the same
  // names.
  virtual core::Status Insert(Transaction& tx, const ReleasePlanRecord& plan) = 0;
  virtual core::StatusOr<std::optional<ReleasePlanRecord>> Find(Transaction& tx,
                                                                const std::string& name) = 0;
  virtual core::StatusOr<Page<ReleasePlanRecord>> List(Transaction& tx,
                                                       const PageRequest& page) = 0;
  virtual core::StatusOr<bool> UpdateState(Transaction& tx, const std::string& name,
                                           int64_t expected_version,
                                           const ReleasePlanStateUpdate& update,
                                           core::TimePoint now) = 0;
  virtual core::Status Delete(Transaction& tx, const std::string& name,
                              std::optional<int64_t> expected_version) = 0;
  virtual core::StatusOr<std::optional<ReleasePlanRecord>> FindActive(
      Transaction& tx, const std::string& environment, const std::string& feature) = 0;
  virtual core::StatusOr<std::vector<ReleasePlanRecord>> ListActive(Transaction& tx) = 0;
  virtual core::StatusOr<int64_t> AppendHistory(Transaction& tx,
                                                const ReleasePlanHistoryRecord& entry) = 0;
  virtual core::StatusOr<std::vector<ReleasePlanHistoryRecord>> History(
      Transaction& tx, const std::string& name) = 0;
  virtual core::StatusOr<bool> PutTemplate(Transaction& tx, const std::string& name,
                                           const std::string& spec_json, core::TimePoint now) = 0;
  virtual core::StatusOr<std::optional<ReleasePlanTemplateRecord>> FindTemplate(
      Transaction& tx, const std::string& name) = 0;
  virtual core::StatusOr<Page<ReleasePlanTemplateRecord>> ListTemplates(
      Transaction& tx, const PageRequest& page) = 0;
  virtual core::Status DeleteTemplate(Transaction& tx, const std::string& name) = 0;
};

class SqlReleasePlanStore final : public ReleasePlanStore {
 public:
  core::Status Insert(Transaction& tx, const ReleasePlanRecord& plan) override;
  core::StatusOr<std::optional<ReleasePlanRecord>> Find(Transaction& tx,
                                                        const std::string& name) override;
  core::StatusOr<Page<ReleasePlanRecord>> List(Transaction& tx, const PageRequest& page) override;
  core::StatusOr<bool> UpdateState(Transaction& tx, const std::string& name,
                                   int64_t expected_version, const ReleasePlanStateUpdate& update,
                                   core::TimePoint now) override;
  core::Status Delete(Transaction& tx, const std::string& name,
                      std::optional<int64_t> expected_version) override;
  core::StatusOr<std::optional<ReleasePlanRecord>> FindActive(Transaction& tx,
                                                              const std::string& environment,
                                                              const std::string& feature) override;
  core::StatusOr<std::vector<ReleasePlanRecord>> ListActive(Transaction& tx) override;
  core::StatusOr<int64_t> AppendHistory(Transaction& tx,
                                        const ReleasePlanHistoryRecord& entry) override;
  core::StatusOr<std::vector<ReleasePlanHistoryRecord>> History(Transaction& tx,
                                                                const std::string& name) override;
  core::StatusOr<bool> PutTemplate(Transaction& tx, const std::string& name,
                                   const std::string& spec_json, core::TimePoint now) override;
  core::StatusOr<std::optional<ReleasePlanTemplateRecord>> FindTemplate(
      Transaction& tx, const std::string& name) override;
  core::StatusOr<Page<ReleasePlanTemplateRecord>> ListTemplates(Transaction& tx,
                                                                const PageRequest& page) override;
  core::Status DeleteTemplate(Transaction& tx, const std::string& name) override;
};

}  // namespace gov::store
