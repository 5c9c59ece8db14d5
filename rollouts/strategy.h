#pragma once

// The strategy a release plan manages on its feature: a flexibleRollout with the milestone's
// percentage, the plan's stickiness and groupId = the feature name (so the same units stay in
// as the percentage grows, as Unleash's gradual rollout does), carrying the plan's constraints
// and segments. The strategy's Unleash `id` marks it as the plan's: "release-plan:<plan>".
// SDKs ignore strategy ids, and the admin API keeps them, so the marker survives edits and
// exports; the `title` says the same for people.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flags/model.h"
#include "rollouts/model.h"

namespace gov::rollouts {

inline constexpr std::string_view kManagedStrategyIdPrefix = "release-plan:";

// "release-plan:<plan>".
std::string ManagedStrategyId(std::string_view plan);

// The managed strategy of `spec` at `rollout_percent` (0..100).
flags::Strategy ManagedStrategy(const ReleasePlanSpec& spec, int rollout_percent);

// The plan managing `strategy` (its id's suffix), or nullopt when no plan manages it.
std::optional<std::string> ManagingPlan(const flags::Strategy& strategy);

// The index of `plan`'s managed strategy in `strategies`, or nullopt.
std::optional<size_t> FindManagedStrategy(const std::vector<flags::Strategy>& strategies,
                                          std::string_view plan);

// `strategies` with `spec`'s managed strategy set to `rollout_percent`: replaced where it is,
// appended when absent; every other strategy is kept as it was.
std::vector<flags::Strategy> WithManagedStrategy(std::vector<flags::Strategy> strategies,
                                                 const ReleasePlanSpec& spec, int rollout_percent);

// Why a plan over `strategies` could not change what is served, or nullopt when it can: a
// strategy other than a plan's that is enabled, has no constraints or segments, and serves
// every unit (`default`, or a `flexibleRollout` at 100%) — Unleash serves a feature when any
// strategy matches, so the plan's percentages would change nothing.
std::optional<std::string> ServesEveryUnitAlready(const std::vector<flags::Strategy>& strategies);

}  // namespace gov::rollouts
