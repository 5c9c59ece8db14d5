#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "controller/metric_ingest.h"
#include "controller/metric_store.h"
#include "controller/target_spec.h"
#include "controller/target_views.h"
#include "core/clock.h"
#include "core/json_util.h"
#include "store/audit_repository.h"
#include "store/database.h"
#include "store/page.h"
#include "store/target_repository.h"

namespace gov::controller {

// Notification channel carrying a target name whenever a target changes (the loop reloads).
inline constexpr const char* kTargetsChannel = "gov_targets";

// Checks a target's `hook` object found at `field_path` ("hook", "targets[0].hook"); errors
// name the field. In production this builds the hook with MakeHook.
using HookValidator =
    std::function<core::Status(const core::Json& hook, const std::string& field_path)>;

// Parses and validates a target found at `path` ("", "targets[0]"): ParseTargetSpec, then the
// `hook`, which active mode requires and `validate_hook` (when set) checks. Errors name the field.
core::StatusOr<TargetSpec> ValidateTarget(const core::Json& json, const std::string& path,
                                          const HookValidator& validate_hook);
// Validates the config file's raw `targets:` array: every target (ValidateTarget at
// "targets[i]") and unique names. Returns every problem, each naming its key; `specs` receives
// the valid targets in order.
std::vector<core::Status> ValidateConfigTargets(const core::Json& targets,
                                                const HookValidator& validate_hook,
                                                std::vector<TargetSpec>& specs);

// The repositories TargetService reads and writes, in its own transactions. Built by the
// composition root (app::GovernorServer); tests substitute their own.
struct TargetRepositories {
  store::TargetStore& targets;
  store::AuditLog& audit;
};
// The SQL implementations (stateless, shared by every service), for tests and tools that
// build a TargetService on a database of their own.
TargetRepositories SqlTargetRepositories();

// Targets through the API and the config file, pushed metrics, and the loop's records as the
// API serves them. Every change is validated (errors name the field), audited in the same
// transaction and announced on kTargetsChannel. Thread-safe.
//
// Config-file targets and API targets share one namespace. At every start the config's
// targets are upserted with source "config" (an API target of the same name is taken over),
// and config targets no longer in the file are deleted; the API cannot change or delete a
// config target (409): edit the file and restart.
class TargetService {
 public:
  TargetService(store::Database& db, const core::Clock& clock, PushMetricStore& push,
                HookValidator validate_hook,
                TargetRepositories repositories = SqlTargetRepositories());

  // Makes the stored config targets match `targets` (the config's raw `targets:` array).
  core::Status SyncConfigTargets(const core::Json& targets);

  // POST /api/v1/targets: the body is a target (ParseTargetSpec). kAlreadyExists when taken.
  core::StatusOr<TargetDetails> Create(const store::AuditActor& actor, const core::Json& body);
  // PUT /api/v1/targets/{name}: replaces the spec. `name` in the body, when given, must match.
  // kConflict when `expected_version` is stale or the target comes from the config file.
  core::StatusOr<TargetDetails> Replace(const store::AuditActor& actor, const std::string& name,
                                        const core::Json& body,
                                        std::optional<int64_t> expected_version);
  // DELETE /api/v1/targets/{name}, with its state, decisions and pushed samples.
  core::Status Delete(const store::AuditActor& actor, const std::string& name,
                      std::optional<int64_t> expected_version);

  core::StatusOr<TargetDetails> Get(const std::string& name);
  core::StatusOr<store::Page<TargetDetails>> List(const store::PageRequest& page);
  // The target's decisions, newest first. kNotFound for an unknown target.
  core::StatusOr<store::Page<store::DecisionRecord>> Decisions(const std::string& name,
                                                               const store::PageRequest& page);

  // POST /api/v1/targets/{name}/metrics: {"samples": [{"metric", "value", "timestamp"?,
  // "instance"?}]}. `metric` must be one of the target's push metrics; `value` a finite
  // number >= 0; `timestamp` Unix seconds or RFC 3339 (default: now), at most
  // kMaxPushClockSkew ahead. Errors name the field ("samples[2].value"). Returns the count.
  core::StatusOr<size_t> PushMetrics(const std::string& name, const core::Json& body);

  // GET /api/v1/targets/{name}/scale: the replica count the last decision set. kUnavailable
  // before the first decision; kConflict in dryRun mode (a dry run must not drive a platform).
  core::StatusOr<ScaleView> Scale(const std::string& name);

 private:
  core::Status SyncConfigTargetsOnce(const std::vector<TargetSpec>& specs);
  core::StatusOr<TargetDetails> Details(store::Transaction& tx, store::TargetRecord record);

  store::Database& db_;
  const core::Clock& clock_;
  PushMetricStore& push_;
  HookValidator validate_hook_;
  const TargetRepositories repos_;
};

}  // namespace gov::controller
