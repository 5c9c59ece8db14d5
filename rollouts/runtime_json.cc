#include "rollouts/runtime_json.h"

#include <string>

#include "core/json_fields.h"
#include "core/name_table.h"
#include "core/time_format.h"
#include "rollouts/plan_json.h"
#include "rollouts/planner.h"

namespace gov::rollouts {

namespace {

using core::OneOf;
using core::Opt;
using core::OptTime;
using core::ReadEnum;
using core::ReadTime;

core::Json PositionToJson(const Position& p) {
  return {{"state", NameOf(kPlanStateNames, p.state)},
          {"milestone", p.milestone},
          {"rollout", p.rollout}};
}

core::StatusOr<Position> PositionFromJson(const core::Json& json, const std::string& path) {
  core::FieldReader r(json, path);
  Position p;
  std::optional<std::string> state = r.OptionalString("state");
  const int64_t milestone = r.RequiredInt("milestone");
  p.rollout = static_cast<int>(r.RequiredInt("rollout"));
  RETURN_IF_ERROR(r.status());
  std::optional<PlanState> s = core::FindName<PlanState>(kPlanStateNames, state.value_or(""));
  if (!s) return core::InvalidArgument(OneOf(kPlanStateNames), r.FieldPath("state"));
  if (milestone < 0) return core::InvalidArgument("must be >= 0", r.FieldPath("milestone"));
  p.state = *s;
  p.milestone = static_cast<size_t>(milestone);
  return p;
}

core::StatusOr<Cause> CauseFromJson(const core::Json& json, const std::string& path) {
  core::FieldReader r(json, path);
  Cause c;
  c.kind = ReadEnum<CauseKind>(r, "kind", kCauseKindNames, CauseKind::kManual);
  c.guardrail = r.OptionalString("guardrail");
  c.value = r.OptionalNumber("value");
  c.threshold = r.OptionalNumber("threshold");
  c.since = ReadTime(r, "since");
  c.actor = r.OptionalString("actor").value_or("");
  c.message = r.OptionalString("message").value_or("");
  RETURN_IF_ERROR(r.status());
  return c;
}

}  // namespace

core::Json CauseToJson(const Cause& c) {
  return {{"kind", NameOf(kCauseKindNames, c.kind)},
          {"guardrail", Opt(c.guardrail)},
          {"value", Opt(c.value)},
          {"threshold", Opt(c.threshold)},
          {"since", OptTime(c.since)},
          {"actor", c.actor.empty() ? core::Json() : core::Json(c.actor)},
          {"message", c.message}};
}

core::Json TransitionToJson(const Transition& t) {
  return {{"at", core::FormatRfc3339(t.at)},
          {"event", NameOf(kPlanEventNames, t.event)},
          {"from", PositionToJson(t.from)},
          {"to", PositionToJson(t.to)},
          {"cause", CauseToJson(t.cause)}};
}

core::Json PlanViewToJson(const ReleasePlanSpec& spec, const PlanRuntime& runtime) {
  core::Json guardrails = core::Json::array();
  for (const GuardrailState& g : AlignGuardrails(spec, runtime.guardrails)) {
    guardrails.push_back({{"name", g.name},
                          {"status", NameOf(kGuardrailStatusNames, g.status)},
                          {"value", Opt(g.value)},
                          {"since", OptTime(g.since)},
                          {"error", Opt(g.error)},
                          {"lastEvaluatedAt", OptTime(g.last_evaluated_at)},
                          {"ciLow", Opt(g.ci_low)},
                          {"ciHigh", Opt(g.ci_high)}});
  }
  core::Json history = core::Json::array();
  for (const Transition& t : runtime.history) history.push_back(TransitionToJson(t));
  return {{"name", spec.name},
          {"feature", spec.feature},
          {"environment", spec.environment},
          {"state", NameOf(kPlanStateNames, runtime.state)},
          {"milestone", runtime.milestone},
          {"rollout", CurrentRollout(spec, runtime)},
          {"milestoneStartedAt", OptTime(runtime.milestone_started_at)},
          {"nextTransitionAt", OptTime(ScheduledAdvanceAt(spec, runtime))},
          {"guardrails", std::move(guardrails)},
          {"history", std::move(history)},
          {"definition", ReleasePlanSpecToJson(spec)}};
}

core::Json PlanRuntimeToJson(const PlanRuntime& runtime) {
  core::Json guardrails = core::Json::array();
  for (const GuardrailState& g : runtime.guardrails) {
    guardrails.push_back({{"name", g.name},
                          {"status", NameOf(kGuardrailStatusNames, g.status)},
                          {"value", Opt(g.value)},
                          {"since", OptTime(g.since)},
                          {"error", Opt(g.error)},
                          {"lastEvaluatedAt", OptTime(g.last_evaluated_at)},
                          {"beyondSince", OptTime(g.beyond_since)},
                          {"errorSince", OptTime(g.error_since)},
                          {"ciLow", Opt(g.ci_low)},
                          {"ciHigh", Opt(g.ci_high)}});
  }
  core::Json history = core::Json::array();
  for (const Transition& t : runtime.history) history.push_back(TransitionToJson(t));
  return {{"state", NameOf(kPlanStateNames, runtime.state)},
          {"milestone", runtime.milestone},
          {"milestoneStartedAt", OptTime(runtime.milestone_started_at)},
          {"guardrails", std::move(guardrails)},
          {"history", std::move(history)}};
}

core::StatusOr<PlanRuntime> PlanRuntimeFromJson(const core::Json& json) {
  core::FieldReader r(json, "");
  PlanRuntime out;
  std::optional<std::string> state = r.OptionalString("state");
  const int64_t milestone = r.RequiredInt("milestone");
  out.milestone_started_at = ReadTime(r, "milestoneStartedAt");
  const core::Json* guardrails = r.OptionalArray("guardrails");
  const core::Json* history = r.OptionalArray("history");
  RETURN_IF_ERROR(r.status());
  std::optional<PlanState> s = core::FindName<PlanState>(kPlanStateNames, state.value_or(""));
  if (!s) return core::InvalidArgument(OneOf(kPlanStateNames), "state");
  if (milestone < 0) return core::InvalidArgument("must be >= 0", "milestone");
  out.state = *s;
  out.milestone = static_cast<size_t>(milestone);
  for (size_t i = 0; guardrails && i < guardrails->size(); ++i) {
    core::FieldReader g((*guardrails)[i], core::IndexFieldPath("guardrails", i));
    GuardrailState gs;
    gs.name = g.RequiredString("name");
    gs.status = ReadEnum<GuardrailStatus>(g, "status", kGuardrailStatusNames, GuardrailStatus::kOk);
    gs.value = g.OptionalNumber("value");
    gs.since = ReadTime(g, "since");
    gs.error = g.OptionalString("error");
    gs.last_evaluated_at = ReadTime(g, "lastEvaluatedAt");
    gs.beyond_since = ReadTime(g, "beyondSince");
    gs.error_since = ReadTime(g, "errorSince");
    gs.ci_low = g.OptionalNumber("ciLow");
    gs.ci_high = g.OptionalNumber("ciHigh");
    RETURN_IF_ERROR(g.status());
    out.guardrails.push_back(std::move(gs));
  }
  for (size_t i = 0; history && i < history->size(); ++i) {
    const std::string path = core::IndexFieldPath("history", i);
    core::FieldReader h((*history)[i], path);
    Transition t;
    t.at = ReadTime(h, "at").value_or(core::TimePoint{});
    std::optional<std::string> event = h.OptionalString("event");
    const core::Json* from = h.OptionalObject("from");
    const core::Json* to = h.OptionalObject("to");
    const core::Json* cause = h.OptionalObject("cause");
    RETURN_IF_ERROR(h.status());
    std::optional<PlanEvent> e = core::FindName<PlanEvent>(kPlanEventNames, event.value_or(""));
    if (!e) return core::InvalidArgument(OneOf(kPlanEventNames), h.FieldPath("event"));
    if (!from || !to || !cause) {
      return core::InvalidArgument("needs from, to and cause", path);
    }
    t.event = *e;
    ASSIGN_OR_RETURN(t.from, PositionFromJson(*from, h.FieldPath("from")));
    ASSIGN_OR_RETURN(t.to, PositionFromJson(*to, h.FieldPath("to")));
    ASSIGN_OR_RETURN(t.cause, CauseFromJson(*cause, h.FieldPath("cause")));
    out.history.push_back(std::move(t));
  }
  return out;
}

core::Json WebhookBody(const ReleasePlanSpec& spec, const Transition& t) {
  return {{"plan", spec.name},
          {"feature", spec.feature},
          {"environment", spec.environment},
          {"event", NameOf(kPlanEventNames, t.event)},
          {"cause",
           {{"guardrail", Opt(t.cause.guardrail)},
            {"value", Opt(t.cause.value)},
            {"threshold", Opt(t.cause.threshold)},
            {"since", OptTime(t.cause.since)}}},
          {"at", core::FormatRfc3339(t.at)}};
}
}  // namespace gov::rollouts
