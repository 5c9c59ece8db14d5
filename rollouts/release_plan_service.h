// Interface settled: routes may build on it.
#pragma once

// The release-plan service: everything about release plans below the HTTP layer. It checks
// what parsing cannot (the feature and environment exist, segments and metric definitions
// exist, one active plan per feature and environment), stores plans and templates, applies
// manual actions, and drives running plans (Tick): it gathers guardrail observations
// (Prometheus through an injected querier, experiment metrics and exposures from the event
// tables), asks the planner (rollouts/planner.h) what to do, and applies the transition.
//
// Every transition is ONE database transaction: the plan's version-guarded UpdateState (when
// the version moved, someone else made the transition and nothing is written), its history
// entry, the flag change (the managed strategy, through FlagService::SetStrategiesWithin, with
// its audit entry, revision bump and snapshot republish), the plan's audit entry (actor
// "release-plan:<name>", the cause in its JSON) and, when the plan has notify.webhook, an
// outbox row of kind store::kOutboxKindReleasePlanWebhook carrying WebhookBody. So across
// replicas and restarts a milestone is never repeated or skipped and a notification is never
// lost.
//
// While a plan is running or paused, direct edits of its managed strategy are refused with
// kConflict naming the plan: ReleasePlanStrategyGuard implements flags::StrategyGuard, which
// the composition root registers on the FlagService.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/json_util.h"
#include "core/status.h"
#include "experiments/running_experiments.h"
#include "flags/flag_service.h"
#include "integrations/prometheus_client.h"
#include "rollouts/guardrails.h"
#include "rollouts/model.h"
#include "store/audit_repository.h"
#include "store/database.h"
#include "store/outbox_repository.h"
#include "store/page.h"
#include "store/release_plan_repository.h"

namespace gov::rollouts {

// The audit actor of a plan's own transitions: "release-plan:<name>".
std::string PlanActorName(const std::string& plan);

// A stored plan: its spec, its runtime (with its history) and its bookkeeping.
struct ReleasePlan {
  ReleasePlanSpec spec;
  PlanRuntime runtime;
  int64_t version = 0;  // the store's version, bumped by every transition
  core::TimePoint created_at{};
  core::TimePoint updated_at{};
  std::string created_by;
};

// The read view of GET /api/v1/release-plans/{name} (PlanViewToJson of spec and runtime).
core::Json ReleasePlanToJson(const ReleasePlan& plan);

// Receives the gauges governor_release_plan_rollout{plan} and
// governor_release_plan_state{plan,state} (1 for the plan's state, 0 for the others) after
// every change the service sees. Implementations are thread-safe
// (rollouts/release_plan_metrics.h registers them with prometheus-cpp).
class ReleasePlanGauges {
 public:
  virtual ~ReleasePlanGauges() = default;
  virtual void Set(const std::string& plan, PlanState state, int rollout) = 0;
  // The plan was deleted: its series go away.
  virtual void Remove(const std::string& plan) = 0;
};

// Where a running plan's exposures and experiment-metric samples come from: the units the
// plan's managed strategy exposed during the current milestone and the other units evaluated
// for the feature. nullopt: no data (minExposures then holds the advance, the sample-ratio
// check does not apply, metric guardrails keep their last state). Implementations are
// thread-safe.
class PlanEvidenceSource {
 public:
  virtual ~PlanEvidenceSource() = default;
  // Units evaluated since `since` (the milestone's start) up to `now`.
  virtual core::StatusOr<std::optional<ExposureCounts>> Exposures(const ReleasePlanSpec& spec,
                                                                  core::TimePoint since,
                                                                  core::TimePoint now) = 0;
  // The guardrail's metric for the exposed units against the rest, since `since`.
  virtual core::StatusOr<std::optional<MetricSample>> Metric(const ReleasePlanSpec& spec,
                                                             const MetricGuardrail& guardrail,
                                                             core::TimePoint since,
                                                             core::TimePoint now) = 0;
};

struct ReleasePlanServiceOptions {
  // Per attempt of a Prometheus guardrail's instant query.
  core::Duration prometheus_timeout = std::chrono::seconds(5);
  // The sequential test of metric guardrails.
  MetricTestOptions metric_test;
  // Null: no gauges. Must outlive the service.
  ReleasePlanGauges* gauges = nullptr;
  // Null: no exposures or metric samples (see PlanEvidenceSource). Must outlive the service.
  PlanEvidenceSource* evidence = nullptr;
  // Where PublishWindows publishes the running plans' evidence windows, so that server-side
  // evaluation records their exposures (rollouts/plan_evidence.h). Null: not published. Must
  // outlive the service.
  experiments::RunningExperiments* windows = nullptr;
};

// What one Tick did.
struct TickResult {
  // The transitions this call made (plan name, transition), in plan-name order.
  std::vector<std::pair<std::string, Transition>> transitions;
  // Plans this call found already moved by someone else (their version changed): skipped.
  std::vector<std::string> skipped;
  // Errors of plans that could not be driven; they are retried on the next Tick.
  std::vector<core::Status> errors;
};

// Thread-safe.
class ReleasePlanService {
 public:
  // `prometheus` may be null: Prometheus guardrails then record the error "no Prometheus
  // client" (and, failing for their forSeconds, pause the plan). `flags` changes the managed
  // strategy; the plan store and outbox default to the SQL repositories.
  ReleasePlanService(store::Database& db, flags::FlagService& flags, const core::Clock& clock,
                     integrations::PrometheusQuerier* prometheus,
                     ReleasePlanServiceOptions options = {},
                     std::shared_ptr<store::ReleasePlanStore> plans = nullptr,
                     std::shared_ptr<store::Outbox> outbox = nullptr);

  // ---- Plans --------------------------------------------------------------------------------

  // Creates a plan in state draft from a body that either is a full plan (ParseReleasePlan)
  // or names a template ({"template", "name", "feature", "environment", ...}: see
  // rollouts/templates.h; the template is a stored one or a built-in such as "standard").
  // Errors: kInvalidArgument naming the field (parsing; "template" when the body's template
  // is not a string); kNotFound naming "template" when there is no such template; kNotFound
  // naming "feature" or "environment" when either does not exist; kInvalidArgument naming
  // "segments[i]" for an unknown segment and "guardrails[i].metric.metric" for an unknown
  // metric definition; kAlreadyExists naming "name" when the name is taken; kConflict naming
  // the other plan when another plan is running or paused on the same feature in the same
  // environment. Audited as "release-plan.create".
  core::StatusOr<ReleasePlan> Create(const store::AuditActor& author, const core::Json& body);
  // kNotFound when absent.
  core::StatusOr<ReleasePlan> Get(const std::string& name);
  // Plans by name (history included); the cursor is the last name returned.
  core::StatusOr<store::Page<ReleasePlan>> List(const store::PageRequest& page);
  // Deletes a plan that is draft, completed or rolled back (its managed strategy stays as it
  // is). kNotFound when absent; kConflict when it is running or paused. Audited as
  // "release-plan.delete".
  core::Status Delete(const store::AuditActor& author, const std::string& name);

  // A manual action (start, pause, resume, advance, rollback) by `author`, applied as one
  // transaction (see the file comment; the cause is {"kind": "manual", "actor": author}).
  // kNotFound when absent; kFailedPrecondition naming the state when the state does not allow
  // the action (e.g. "cannot pause a plan that is draft"); kConflict naming the other plan
  // when starting while another plan is active on the feature and environment; kConflict when
  // the plan changed concurrently (retry). Starting is also kFailedPrecondition naming
  // "feature" when the plan could not change what is served: the feature is disabled in the
  // environment, or another strategy already serves every unit (ServesEveryUnitAlready).
  core::StatusOr<ReleasePlan> Act(const store::AuditActor& author, const std::string& name,
                                  Action action);

  // ---- Templates ----------------------------------------------------------------------------

  // Creates or replaces a template from a body ParsePlanTemplate reads. The built-in names
  // ("standard") are reserved: kConflict naming "name". Returns the template and whether it
  // was created (true) or replaced. Audited as "release-plan-template.put".
  core::StatusOr<std::pair<ReleasePlanSpec, bool>> PutTemplate(const store::AuditActor& author,
                                                               const core::Json& body);
  // The built-in templates first, then the stored ones by name.
  core::StatusOr<std::vector<ReleasePlanSpec>> ListTemplates();
  // A built-in or stored template; kNotFound when there is none of that name.
  core::StatusOr<ReleasePlanSpec> GetTemplate(const std::string& name);
  // Deletes a stored template. kNotFound when absent; kConflict naming "name" for a built-in.
  core::Status DeleteTemplate(const store::AuditActor& author, const std::string& name);

  // ---- Driving ------------------------------------------------------------------------------

  // Drives every running plan at `now`: evaluates the Prometheus guardrails that are due,
  // the metric guardrails and the exposures of the current milestone, then Step; a
  // transition is applied as one transaction (see the file comment), and guardrail statuses
  // that changed without a transition are saved (version-guarded as well). Paused plans only
  // refresh their gauges. Call on the leader only, at least once a second.
  TickResult Tick(core::TimePoint now);

  // Republishes the gauges of every plan (the app calls it at start).
  core::Status RefreshGauges();

  // The evidence windows of the running plans: one per plan whose stickiness names a unit
  // (not "random"), keyed PlanExposureKey(plan, milestone_started_at), with the milestone's
  // rollout and groupId = the feature (rollouts/plan_evidence.h).
  core::StatusOr<std::vector<experiments::RunningExperiment>> EvidenceWindows();
  // Publishes EvidenceWindows to options.windows when they changed since the last call. Every
  // replica calls it (ReleasePlanRunner, each interval), and this service after each
  // transition it commits.
  core::Status PublishWindows();

 private:
  // Whether starting `spec` can change what its feature serves (see Act).
  core::Status CheckServable(const ReleasePlanSpec& spec);
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Refuses direct changes of a running or paused plan's managed strategy (flags::StrategyGuard,
// consulted by FlagService inside its transaction): kConflict naming the plan, e.g.
// "strategy release-plan:checkout-v2-prod of feature checkout-v2 in environment production is
// managed by release plan checkout-v2-prod (running)". Other strategies stay editable.
// Plan-driven changes (FlagService::SetStrategiesWithin) are not checked.
class ReleasePlanStrategyGuard final : public flags::StrategyGuard {
 public:
  explicit ReleasePlanStrategyGuard(std::shared_ptr<store::ReleasePlanStore> plans = nullptr);
  core::Status CheckStrategies(store::Transaction& tx, const std::string& feature,
                               const std::string& environment,
                               const std::vector<flags::Strategy>& before,
                               const std::vector<flags::Strategy>& after) override;

 private:
  std::shared_ptr<store::ReleasePlanStore> plans_;
};

}  // namespace gov::rollouts
