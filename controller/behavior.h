#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_util.h"
#include "core/status.h"

namespace gov::controller {

// The Kubernetes HPA v2 `behavior` block (autoscaling/v2 HPAScalingRules), accepted pasted
// unchanged. Field names, defaults and validation follow Kubernetes:
//   defaults    pkg/apis/autoscaling/v2/defaults.go (GenerateHPAScaleUpRules/…DownRules) and the
//               controller's --horizontal-pod-autoscaler-downscale-stabilization (300 s);
//   validation  pkg/apis/autoscaling/validation/validation.go (validateScalingRules).

enum class ScalingPolicyType { kPods, kPercent };
enum class SelectPolicy { kMax, kMin, kDisabled };

// At most this many seconds per policy period, and per stabilization window (Kubernetes).
inline constexpr int32_t kMaxPeriodSeconds = 1800;
inline constexpr int32_t kMaxStabilizationWindowSeconds = 3600;
// Kubernetes' default scale-down stabilization window (controller flag default, 5 minutes).
inline constexpr int32_t kDefaultScaleDownStabilizationSeconds = 300;

// "Change by at most `value` pods (or percent) within any `period_seconds` window".
struct ScalingPolicy {
  ScalingPolicyType type = ScalingPolicyType::kPods;
  int32_t value = 0;
  int32_t period_seconds = 0;
  bool operator==(const ScalingPolicy&) const = default;
};

// One direction (scaleUp or scaleDown) with every default filled in.
struct ScalingRules {
  int32_t stabilization_window_seconds = 0;
  SelectPolicy select_policy = SelectPolicy::kMax;
  std::vector<ScalingPolicy> policies;
  // Per-direction tolerance (HPA 1.33+ `tolerance`); nullopt means the target's tolerance.
  std::optional<double> tolerance;
  bool operator==(const ScalingRules&) const = default;
};

struct Behavior {
  ScalingRules scale_up;
  ScalingRules scale_down;
  bool operator==(const Behavior&) const = default;
};

// HPA's scale-up default: window 0, max(4 pods, 100%) per 15 s, selectPolicy Max.
ScalingRules DefaultScaleUpRules();
// HPA's scale-down default: window 300 s, 100% per 15 s, selectPolicy Max.
ScalingRules DefaultScaleDownRules();
// Both directions at their defaults (what an omitted `behavior` means).
Behavior DefaultBehavior();

// Parses a `behavior` object found at `path` (null or absent means all defaults); omitted
// fields take HPA's defaults the way copyHPAScalingRules does (a present `policies` list
// replaces the default list whole). Errors name the field, e.g.
// "targets[0].behavior.scaleUp.policies[1].periodSeconds".
core::StatusOr<Behavior> ParseBehavior(const core::Json& json, std::string_view path);
// The fully defaulted block, in HPA's field names; ParseBehavior(BehaviorToJson(b)) == b.
core::Json BehaviorToJson(const Behavior& behavior);

// "Pods", "Percent".
std::string_view ScalingPolicyTypeName(ScalingPolicyType type);
// The policy type named `name`; kInvalidArgument listing the supported names otherwise.
core::StatusOr<ScalingPolicyType> ParseScalingPolicyType(std::string_view name);
// "Max", "Min", "Disabled".
std::string_view SelectPolicyName(SelectPolicy policy);
// The select policy named `name`; kInvalidArgument listing the supported names otherwise.
core::StatusOr<SelectPolicy> ParseSelectPolicy(std::string_view name);
// Human form of a policy: "Pods 4 per 15s", "Percent 100% per 15s".
std::string DescribePolicy(const ScalingPolicy& policy);

}  // namespace gov::controller
