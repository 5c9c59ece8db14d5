#pragma once

// Release-plan templates: a plan without feature and environment, whose Prometheus queries
// may be left for the user (rollouts/plan_json.h reads and writes them). Governor ships one,
// `standard`, with the three classic triggers; users add their own
// (POST /api/v1/release-plan-templates).
//
// A plan from a template (POST /api/v1/release-plans with "template"):
//   {"template", "name", "feature", "environment",
//    "queries"?: {"<guardrail name>": "<PromQL>", ...},
//    "prometheusUrl"?: "<url for every Prometheus guardrail of the template>",
//    and optionally any of "stickiness", "constraints", "segments", "milestones", "onBreach",
//    "notify", which replace the template's}
// A query is required for each Prometheus guardrail the template leaves empty (missing:
// kInvalidArgument naming "queries.<guardrail>"), may replace one the template has, and must
// name a Prometheus guardrail of the template ("queries.<key>" otherwise). The result is
// then checked exactly as a plan written in full (ParseReleasePlan at `now`).

#include <optional>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/json_util.h"
#include "core/status.h"
#include "rollouts/model.h"

namespace gov::rollouts {

inline constexpr std::string_view kStandardTemplateName = "standard";

// `standard`: milestones 1% (10 min), 10% (1 h), 50% (1 h), 100%; guardrails p99 (latency in
// seconds above 1 for 5 min), errors (error ratio above 0.05 for 2 min), cpu (utilization as
// a fraction above 0.9 for 10 min), each evaluated every 15 s with an empty query; on breach
// rollback.
ReleasePlanSpec StandardTemplate();
// The templates Governor ships (their names are reserved).
std::vector<ReleasePlanSpec> BuiltInTemplates();
std::optional<ReleasePlanSpec> FindBuiltInTemplate(std::string_view name);

// The template a create request names in "template", or nullopt when it names none (a plan
// written in full). A non-string "template" is kInvalidArgument naming it.
core::StatusOr<std::optional<std::string>> RequestedTemplate(const core::Json& body);

// The plan that `body` (see above) makes from `tmpl` at `now`.
core::StatusOr<ReleasePlanSpec> PlanFromTemplate(const ReleasePlanSpec& tmpl,
                                                 const core::Json& body, core::TimePoint now);

}  // namespace gov::rollouts
