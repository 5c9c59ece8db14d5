#pragma once

// The JSON of release plans, both ways, as the API and the store use it. Parsing is strict
// (unknown fields are errors, as everywhere in the API) and checks one plan's shape and
// semantics; errors are kInvalidArgument naming the field ("milestones[1].rollout",
// "guardrails[0].prometheus.above", "constraints[0].operator").
//
// What parsing cannot check is the service's: that `feature` exists in `environment`, that
// the segments exist, that a metric guardrail names a metric definition, that no other plan
// drives the same feature in the same environment (it reports those naming "feature",
// "segments[i]", "guardrails[i].metric.metric").
//
// The plan (POST /api/v1/release-plans):
//   {"name", "feature", "environment", "stickiness"? ("default"), "constraints"? [flag
//    constraints], "segments"? [segment ids], "milestones": [{"rollout": 0..100,
//    "advanceAfterSeconds"? (> 0) | "advanceAt"? (RFC 3339, in the future), "minExposures"?
//    (>= 0)}], "guardrails"? [{"name", "prometheus": {"query", "url"?, "above" | "below",
//    "forSeconds"? (>= 0, default 0), "evaluationIntervalSeconds"? (>= 1, default 15)}} |
//    {"name", "metric": {"metric", "maxRelativeDrop" (>= 0, a fraction)}}], "onBreach"?
//    ("rollback" | "pause" | "previousMilestone"; default rollback), "notify"? {"webhook":
//    {"url", "secretEnv"?}}}
// Milestone rollouts strictly increase; the last milestone completes the plan, so it has no
// advance fields. Templates (rollouts/templates.h) are the same object without "feature" and
// "environment", whose Prometheus queries may be left empty.

#include <optional>

#include "core/clock.h"
#include "core/json_util.h"
#include "core/status.h"
#include "rollouts/model.h"

namespace gov::rollouts {

// A plan as a client writes it at `now` (advanceAt must be later than `now`).
core::StatusOr<ReleasePlanSpec> ParseReleasePlan(const core::Json& json, core::TimePoint now);
// A stored plan (what ReleasePlanSpecToJson wrote): the same checks but advanceAt's, which a
// running plan passes. ReleasePlanSpecFromJson(ReleasePlanSpecToJson(s)) == s for times with
// millisecond precision.
core::StatusOr<ReleasePlanSpec> ReleasePlanSpecFromJson(const core::Json& json);
// The plan in the shape ParseReleasePlan reads (absent optional fields are null).
core::Json ReleasePlanSpecToJson(const ReleasePlanSpec& spec);

// A template (POST /api/v1/release-plan-templates): the plan without feature and environment;
// its Prometheus queries may be empty. advanceAt is checked when a plan is made from it.
core::StatusOr<ReleasePlanSpec> ParsePlanTemplate(const core::Json& json);
// The template in the shape ParsePlanTemplate reads.
core::Json PlanTemplateToJson(const ReleasePlanSpec& spec);

}  // namespace gov::rollouts
