#pragma once

// The release plans' gauges with prometheus-cpp: governor_release_plan_rollout{plan} (the
// managed strategy's percentage) and governor_release_plan_state{plan,state} (1 for the plan's
// state, 0 for the others).

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <mutex>
#include <string>

#include "rollouts/release_plan_service.h"

namespace gov::rollouts {

// Thread-safe.
class PrometheusReleasePlanGauges final : public ReleasePlanGauges {
 public:
  explicit PrometheusReleasePlanGauges(prometheus::Registry& registry);
  void Set(const std::string& plan, PlanState state, int rollout) override;
  void Remove(const std::string& plan) override;

 private:
  std::mutex mu_;
  prometheus::Family<prometheus::Gauge>& rollout_;
  prometheus::Family<prometheus::Gauge>& state_;
};

}  // namespace gov::rollouts
