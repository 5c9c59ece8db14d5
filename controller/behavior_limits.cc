#include "controller/behavior_limits.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

namespace gov::controller {

namespace {

constexpr int64_t kInt32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();

// Go's int32 arithmetic wraps and its float->int32 conversion of out-of-range values is
// unspecified; inputs that large are nonsense, so we saturate instead of invoking UB.
int32_t SaturateToInt32(int64_t v) {
  return static_cast<int32_t>(std::clamp(v, kInt32Min, kInt32Max));
}
int32_t SaturateToInt32(double v) {
  if (std::isnan(v)) return 0;
  return static_cast<int32_t>(
      std::clamp(v, static_cast<double>(kInt32Min), static_cast<double>(kInt32Max)));
}

core::TimePoint Cutoff(core::TimePoint now, int64_t seconds) {
  return now - std::chrono::seconds(seconds);
}

// The rate-limit arithmetic of the HPA (pkg/controller/podautoscaler/horizontal.go):
//
//   For each policy, look back over its period. The replica count at the start of that period
//   is   periodStart = current - (added in period) + (removed in period)
//   and the policy allows, scaling up,    Pods: periodStart + value
//                                         Percent: ceil(periodStart * (1 + value/100))
//                       scaling down,     Pods: periodStart - value
//                                         Percent: trunc(periodStart * (1 - value/100))
//   selectPolicy Max takes the policy allowing the biggest change (largest bound up, smallest
//   bound down), Min the smallest change, Disabled forbids the direction (bound = current).
//   An event counts when its timestamp is strictly after now - period.
ScaleLimit SelectLimit(int32_t current_replicas, std::span<const ScaleEvent> scale_up_events,
                       std::span<const ScaleEvent> scale_down_events, const ScalingRules& rules,
                       core::TimePoint now, bool scaling_up) {
  if (rules.select_policy == SelectPolicy::kDisabled) return {current_replicas, std::nullopt};
  // Scaling up, the biggest change is the largest bound; scaling down, the smallest bound.
  const bool want_largest = (rules.select_policy == SelectPolicy::kMax) == scaling_up;
  ScaleLimit result{
      want_largest ? std::numeric_limits<int32_t>::min() : std::numeric_limits<int32_t>::max(),
      std::nullopt};
  for (size_t i = 0; i < rules.policies.size(); ++i) {
    const ScalingPolicy& policy = rules.policies[i];
    const int64_t added = ReplicasChangePerPeriod(policy.period_seconds, scale_up_events, now);
    const int64_t removed = ReplicasChangePerPeriod(policy.period_seconds, scale_down_events, now);
    const int64_t period_start = int64_t{current_replicas} - added + removed;
    int32_t proposed = 0;
    if (policy.type == ScalingPolicyType::kPods) {
      proposed =
          SaturateToInt32(scaling_up ? period_start + policy.value : period_start - policy.value);
    } else if (scaling_up) {
      // Rounded up so that a small percentage still adds at least one replica.
      proposed = SaturateToInt32(std::ceil(static_cast<double>(period_start) *
                                           (1 + static_cast<double>(policy.value) / 100)));
    } else {
      proposed = SaturateToInt32(std::trunc(static_cast<double>(period_start) *
                                            (1 - static_cast<double>(policy.value) / 100)));
    }
    // Kubernetes' max/min keep the earlier value on ties; so does this strict comparison.
    if (!result.policy_index ||
        (want_largest ? proposed > result.replicas : proposed < result.replicas)) {
      result = {proposed, i};
    }
  }
  return result;
}

}  // namespace

int64_t ReplicasChangePerPeriod(int32_t period_seconds, std::span<const ScaleEvent> events,
                                core::TimePoint now) {
  const core::TimePoint cutoff = Cutoff(now, period_seconds);
  int64_t replicas = 0;
  for (const ScaleEvent& event : events) {
    if (event.timestamp > cutoff) replicas += event.change;
  }
  return replicas;
}

ScaleLimit ScaleUpLimit(int32_t current_replicas, std::span<const ScaleEvent> scale_up_events,
                        std::span<const ScaleEvent> scale_down_events, const ScalingRules& rules,
                        core::TimePoint now) {
  return SelectLimit(current_replicas, scale_up_events, scale_down_events, rules, now, true);
}

ScaleLimit ScaleDownLimit(int32_t current_replicas, std::span<const ScaleEvent> scale_up_events,
                          std::span<const ScaleEvent> scale_down_events, const ScalingRules& rules,
                          core::TimePoint now) {
  return SelectLimit(current_replicas, scale_up_events, scale_down_events, rules, now, false);
}

// Stabilization (Kubernetes stabilizeRecommendationWithBehaviors): the scale-up bound is the
// lowest recommendation newer than now - scaleUp window, the scale-down bound the highest
// newer than now - scaleDown window, both including `desired` itself. The result is the
// current count moved just far enough to lie within [up bound, down bound]: a scale-up only
// happens if every recent recommendation asked for more, a scale-down only if every one asked
// for fewer.
Stabilization Stabilize(int32_t current_replicas, int32_t desired_replicas,
                        std::span<const Recommendation> history, const Behavior& behavior,
                        core::TimePoint now) {
  const core::TimePoint up_cutoff = Cutoff(now, behavior.scale_up.stabilization_window_seconds);
  const core::TimePoint down_cutoff = Cutoff(now, behavior.scale_down.stabilization_window_seconds);
  int32_t up_recommendation = desired_replicas;
  int32_t down_recommendation = desired_replicas;
  for (const Recommendation& rec : history) {
    if (rec.timestamp > up_cutoff) up_recommendation = std::min(rec.replicas, up_recommendation);
    if (rec.timestamp > down_cutoff) {
      down_recommendation = std::max(rec.replicas, down_recommendation);
    }
  }
  int32_t recommendation = current_replicas;
  if (recommendation < up_recommendation) recommendation = up_recommendation;
  if (recommendation > down_recommendation) recommendation = down_recommendation;
  return {recommendation, desired_replicas >= current_replicas
                              ? DecisionReason::kScaleUpStabilized
                              : DecisionReason::kScaleDownStabilized};
}

RateLimit ApplyRateLimits(int32_t current_replicas, int32_t desired_replicas, int32_t min_replicas,
                          int32_t max_replicas, std::span<const ScaleEvent> scale_up_events,
                          std::span<const ScaleEvent> scale_down_events, const Behavior& behavior,
                          core::TimePoint now) {
  if (desired_replicas > current_replicas) {
    ScaleLimit limit =
        ScaleUpLimit(current_replicas, scale_up_events, scale_down_events, behavior.scale_up, now);
    // Recent scale-ups may already exceed the policy; never go below the current count here.
    if (limit.replicas < current_replicas) limit.replicas = current_replicas;
    if (max_replicas > limit.replicas) {
      if (desired_replicas > limit.replicas) {
        return {limit.replicas, DecisionReason::kScaleUpLimit,
                "the desired replica count is increasing faster than the maximum scale rate",
                limit};
      }
    } else if (desired_replicas > max_replicas) {
      return {max_replicas, DecisionReason::kTooManyReplicas,
              "the desired replica count is more than the maximum replica count", limit};
    }
  } else if (desired_replicas < current_replicas) {
    ScaleLimit limit = ScaleDownLimit(current_replicas, scale_up_events, scale_down_events,
                                      behavior.scale_down, now);
    // Recent scale-downs may already exceed the policy; never go above the current count here.
    if (limit.replicas > current_replicas) limit.replicas = current_replicas;
    if (min_replicas < limit.replicas) {
      if (desired_replicas < limit.replicas) {
        return {limit.replicas, DecisionReason::kScaleDownLimit,
                "the desired replica count is decreasing faster than the maximum scale rate",
                limit};
      }
    } else if (desired_replicas < min_replicas) {
      return {min_replicas, DecisionReason::kTooFewReplicas,
              "the desired replica count is less than the minimum replica count", limit};
    }
  }
  return {desired_replicas,
          DecisionReason::kDesiredWithinRange,
          "the desired count is within the acceptable range",
          {}};
}

}  // namespace gov::controller
