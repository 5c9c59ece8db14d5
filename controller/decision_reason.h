#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/status.h"

namespace gov::controller {

// Why a decision chose its replica count: HPA's condition reasons (horizontal.go), plus
// Governor's Cooldown and MissingMetrics.
enum class DecisionReason : uint8_t {
  kScaleUpLimit,         // a scale-up policy capped the change
  kScaleDownLimit,       // a scale-down policy capped the change
  kTooManyReplicas,      // clamped to maxReplicas
  kTooFewReplicas,       // clamped to minReplicas
  kDesiredWithinRange,   // no bound applied
  kScaleUpStabilized,    // the scale-up stabilization window held the count
  kScaleDownStabilized,  // the scale-down stabilization window held the count
  kCooldown,             // Governor's cooldown held the count
  kMissingMetrics,       // missing or stale metrics forbid acting
  kScalingDisabled,      // the target has zero replicas
  kFailedGetScale,       // the hook could not read the replica count; nothing was decided
};

// A bound that changed a decision's outcome (a subset of the reasons, with the same names).
enum class LimitKind : uint8_t {
  kScaleUpLimit,
  kScaleDownLimit,
  kTooManyReplicas,
  kTooFewReplicas,
  kScaleUpStabilized,
  kScaleDownStabilized,
  kMissingMetrics,
  kCooldown,
};

// What set a decision's desired count: the metrics' proposals (HPA), a count given by the
// caller, or the predictive planner's proposal (above the metrics').
enum class DesiredSource : uint8_t { kMetrics, kGiven, kPrediction };
// "metrics", "given", "prediction".
std::string_view DesiredSourceName(DesiredSource source);
// The source named `name`; kInvalidArgument for any other text.
core::StatusOr<DesiredSource> ParseDesiredSource(std::string_view name);

// Which way a replica count changes.
enum class ScaleDirection : uint8_t { kUp, kDown };

// The wire names: "ScaleUpLimit", "ScaleDownLimit", "TooManyReplicas", "TooFewReplicas",
// "DesiredWithinRange", "ScaleUpStabilized", "ScaleDownStabilized", "Cooldown",
// "MissingMetrics", "ScalingDisabled", "FailedGetScale".
std::string_view DecisionReasonName(DecisionReason reason);
// The reason named `name`; kInvalidArgument for any other text.
core::StatusOr<DecisionReason> ParseDecisionReason(std::string_view name);

// The name of the reason of the same name (LimitReason).
std::string_view LimitKindName(LimitKind kind);
// The limit kind named `name`; kInvalidArgument for any other text.
core::StatusOr<LimitKind> ParseLimitKind(std::string_view name);
// The decision reason with the same name as `kind`.
DecisionReason LimitReason(LimitKind kind);
// The limit kind with the same name as `reason`; nullopt for the reasons that are no limit
// (DesiredWithinRange, ScalingDisabled, FailedGetScale).
std::optional<LimitKind> ReasonLimit(DecisionReason reason);

// "up", "down".
std::string_view ScaleDirectionName(ScaleDirection direction);
// The direction named `name`; kInvalidArgument for any other text.
core::StatusOr<ScaleDirection> ParseScaleDirection(std::string_view name);

}  // namespace gov::controller
