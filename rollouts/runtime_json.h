#pragma once

// The JSON of a plan's runtime: the read view of GET /api/v1/release-plans/{name}, the stored
// form of the runtime, and the webhook body of a transition.

#include "core/json_util.h"
#include "core/status.h"
#include "rollouts/model.h"

namespace gov::rollouts {

// The read view (GET /api/v1/release-plans/{name}): {"name", "feature", "environment",
// "state", "milestone": <index>, "rollout", "milestoneStartedAt" | null, "nextTransitionAt" |
// null, "guardrails": [{"name", "status", "value", "since", "error"}], "history": [{"at",
// "event", "from", "to", "cause"}]}. from/to are {"state", "milestone", "rollout"}; a cause is
// {"kind", "guardrail", "value", "threshold", "since", "actor", "message"} (null when not
// applicable).
core::Json PlanViewToJson(const ReleasePlanSpec& spec, const PlanRuntime& runtime);
core::Json TransitionToJson(const Transition& transition);
core::Json CauseToJson(const Cause& cause);

// The runtime as the store keeps it, both ways: PlanRuntimeFromJson(PlanRuntimeToJson(r)) == r
// for times with millisecond precision.
core::Json PlanRuntimeToJson(const PlanRuntime& runtime);
core::StatusOr<PlanRuntime> PlanRuntimeFromJson(const core::Json& json);

// The webhook body for a transition: {"plan", "feature", "environment", "event", "cause":
// {"guardrail", "value", "threshold", "since"}, "at"} (the cause's members null when not a
// guardrail's).
core::Json WebhookBody(const ReleasePlanSpec& spec, const Transition& transition);

}  // namespace gov::rollouts
