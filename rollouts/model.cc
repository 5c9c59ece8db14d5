#include "rollouts/model.h"

namespace gov::rollouts {

static_assert(kPlanStateNames.size() == static_cast<size_t>(PlanState::kRolledBack) + 1);
static_assert(kOnBreachNames.size() == static_cast<size_t>(OnBreach::kPreviousMilestone) + 1);
static_assert(kGuardrailStatusNames.size() == static_cast<size_t>(GuardrailStatus::kError) + 1);
static_assert(kComparisonNames.size() == static_cast<size_t>(Comparison::kBelow) + 1);
static_assert(kPlanEventNames.size() == static_cast<size_t>(PlanEvent::kCompleted) + 1);
static_assert(kCauseKindNames.size() == static_cast<size_t>(CauseKind::kSampleRatioMismatch) + 1);
static_assert(kActionNames.size() == static_cast<size_t>(Action::kRollback) + 1);

int CurrentRollout(const ReleasePlanSpec& spec, const PlanRuntime& runtime) {
  if (runtime.state == PlanState::kDraft || runtime.state == PlanState::kRolledBack) return 0;
  if (runtime.milestone >= spec.milestones.size()) return 0;
  return spec.milestones[runtime.milestone].rollout;
}

Position CurrentPosition(const ReleasePlanSpec& spec, const PlanRuntime& runtime) {
  return {runtime.state, runtime.milestone, CurrentRollout(spec, runtime)};
}

PlanRuntime NewRuntime(const ReleasePlanSpec& spec) {
  PlanRuntime out;
  for (const Guardrail& g : spec.guardrails) out.guardrails.push_back(NewGuardrailState(g.name));
  return out;
}

bool IsTerminal(PlanState state) {
  return state == PlanState::kCompleted || state == PlanState::kRolledBack;
}

}  // namespace gov::rollouts
