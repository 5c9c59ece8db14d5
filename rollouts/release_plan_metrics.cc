#include "rollouts/release_plan_metrics.h"

namespace gov::rollouts {

PrometheusReleasePlanGauges::PrometheusReleasePlanGauges(prometheus::Registry& registry)
    : rollout_(prometheus::BuildGauge()
                   .Name("governor_release_plan_rollout")
                   .Help("The percentage of a release plan's managed strategy.")
                   .Register(registry)),
      state_(prometheus::BuildGauge()
                 .Name("governor_release_plan_state")
                 .Help("1 for a release plan's state, 0 for its other states.")
                 .Register(registry)) {}

void PrometheusReleasePlanGauges::Set(const std::string& plan, PlanState state, int rollout) {
  std::lock_guard<std::mutex> lock(mu_);
  rollout_.Add({{"plan", plan}}).Set(rollout);
  for (size_t i = 0; i < kPlanStateNames.size(); ++i) {
    state_.Add({{"plan", plan}, {"state", std::string(kPlanStateNames[i])}})
        .Set(static_cast<size_t>(state) == i ? 1 : 0);
  }
}

void PrometheusReleasePlanGauges::Remove(const std::string& plan) {
  std::lock_guard<std::mutex> lock(mu_);
  rollout_.Remove(&rollout_.Add({{"plan", plan}}));
  for (const auto name : kPlanStateNames) {
    state_.Remove(&state_.Add({{"plan", plan}, {"state", std::string(name)}}));
  }
}

}  // namespace gov::rollouts
