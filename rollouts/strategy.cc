#include "rollouts/strategy.h"

namespace gov::rollouts {

std::string ManagedStrategyId(std::string_view plan) {
  return std::string(kManagedStrategyIdPrefix) + std::string(plan);
}

flags::Strategy ManagedStrategy(const ReleasePlanSpec& spec, int rollout_percent) {
  flags::Strategy s;
  s.name = "flexibleRollout";
  s.id = ManagedStrategyId(spec.name);
  s.title = "Release plan " + spec.name;
  s.parameters = {{"rollout", std::to_string(rollout_percent)},
                  {"stickiness", spec.stickiness},
                  {"groupId", spec.feature}};
  s.constraints = spec.constraints;
  s.segments = spec.segments;
  return s;
}

std::optional<std::string> ManagingPlan(const flags::Strategy& strategy) {
  if (!strategy.id) return std::nullopt;
  const std::string& id = *strategy.id;
  if (id.size() <= kManagedStrategyIdPrefix.size() ||
      id.compare(0, kManagedStrategyIdPrefix.size(), kManagedStrategyIdPrefix) != 0) {
    return std::nullopt;
  }
  return id.substr(kManagedStrategyIdPrefix.size());
}

std::optional<size_t> FindManagedStrategy(const std::vector<flags::Strategy>& strategies,
                                          std::string_view plan) {
  for (size_t i = 0; i < strategies.size(); ++i) {
    const std::optional<std::string> managing = ManagingPlan(strategies[i]);
    if (managing && *managing == plan) return i;
  }
  return std::nullopt;
}

std::vector<flags::Strategy> WithManagedStrategy(std::vector<flags::Strategy> strategies,
                                                 const ReleasePlanSpec& spec, int rollout_percent) {
  flags::Strategy managed = ManagedStrategy(spec, rollout_percent);
  if (std::optional<size_t> i = FindManagedStrategy(strategies, spec.name)) {
    managed.sort_order = strategies[*i].sort_order;
    strategies[*i] = std::move(managed);
  } else {
    strategies.push_back(std::move(managed));
  }
  return strategies;
}

std::optional<std::string> ServesEveryUnitAlready(const std::vector<flags::Strategy>& strategies) {
  for (size_t i = 0; i < strategies.size(); ++i) {
    const flags::Strategy& s = strategies[i];
    if (s.disabled || ManagingPlan(s) || !s.constraints.empty() || !s.segments.empty()) continue;
    const auto rollout = s.parameters.find("rollout");
    const bool everyone =
        s.name == "default" ||
        (s.name == "flexibleRollout" && rollout != s.parameters.end() && rollout->second == "100");
    if (everyone) {
      return "strategy " + std::to_string(i) + " (" + s.name +
             ") already serves every unit, so the plan's percentages would change nothing";
    }
  }
  return std::nullopt;
}

}  // namespace gov::rollouts
