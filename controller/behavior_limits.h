#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "controller/behavior.h"
#include "controller/decision_reason.h"
#include "core/clock.h"

namespace gov::controller {

// An unstabilized recommendation (the metrics' desired replica count) at a point in time.
struct Recommendation {
  int32_t replicas = 0;
  core::TimePoint timestamp;
  bool operator==(const Recommendation&) const = default;
};

// A completed scaling action: `change` is the number of replicas added (in the scale-up list)
// or removed (in the scale-down list); always >= 0, as Kubernetes stores it.
struct ScaleEvent {
  int32_t change = 0;
  core::TimePoint timestamp;
  bool operator==(const ScaleEvent&) const = default;
};

// Replicas added (or removed) by `events` strictly after now - period_seconds.
// Kubernetes getReplicasChangePerPeriod.
int64_t ReplicasChangePerPeriod(int32_t period_seconds, std::span<const ScaleEvent> events,
                                core::TimePoint now);

// The bound one direction's policies put on the replica count, and which policy set it.
struct ScaleLimit {
  int32_t replicas = 0;
  // Index into rules.policies of the policy that produced `replicas`; nullopt when
  // selectPolicy is Disabled (the limit is then the current count).
  std::optional<size_t> policy_index;
};

// The most replicas the scale-up policies allow now. Kubernetes
// calculateScaleUpLimitWithScalingRules.
ScaleLimit ScaleUpLimit(int32_t current_replicas, std::span<const ScaleEvent> scale_up_events,
                        std::span<const ScaleEvent> scale_down_events, const ScalingRules& rules,
                        core::TimePoint now);
// The fewest replicas the scale-down policies allow now. Kubernetes
// calculateScaleDownLimitWithBehaviors.
ScaleLimit ScaleDownLimit(int32_t current_replicas, std::span<const ScaleEvent> scale_up_events,
                          std::span<const ScaleEvent> scale_down_events, const ScalingRules& rules,
                          core::TimePoint now);

struct Stabilization {
  int32_t replicas = 0;  // the stabilized recommendation
  // kScaleUpStabilized when desired >= current, else kScaleDownStabilized (HPA's reasons);
  // meaningful only when replicas != desired.
  DecisionReason reason = DecisionReason::kScaleUpStabilized;
};

// Stabilizes `desired` against the recommendation history. Kubernetes
// stabilizeRecommendationWithBehaviors, without the history write (the caller appends).
Stabilization Stabilize(int32_t current_replicas, int32_t desired_replicas,
                        std::span<const Recommendation> history, const Behavior& behavior,
                        core::TimePoint now);

struct RateLimit {
  int32_t replicas = 0;
  // kScaleUpLimit, kScaleDownLimit, kTooManyReplicas, kTooFewReplicas or kDesiredWithinRange.
  DecisionReason reason = DecisionReason::kDesiredWithinRange;
  // HPA's message for `reason`.
  std::string_view message;
  // For ScaleUpLimit/ScaleDownLimit: the policies' limit and the policy that set it.
  ScaleLimit limit;
};

// Applies the scale-up/scale-down rate limits and [min, max] to a stabilized recommendation.
// Kubernetes convertDesiredReplicasWithBehaviorRate.
RateLimit ApplyRateLimits(int32_t current_replicas, int32_t desired_replicas, int32_t min_replicas,
                          int32_t max_replicas, std::span<const ScaleEvent> scale_up_events,
                          std::span<const ScaleEvent> scale_down_events, const Behavior& behavior,
                          core::TimePoint now);

}  // namespace gov::controller
