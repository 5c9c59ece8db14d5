#include "controller/behavior.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

#include "core/name_table.h"

namespace gov::controller {

namespace {

constexpr int32_t kDefaultScaleUpPods = 4;         // scaleUpLimitMinimumPods
constexpr int32_t kDefaultScaleUpPercent = 100;    // scaleUpLimitPercent
constexpr int32_t kDefaultScaleDownPercent = 100;  // scaleDownLimitPercent
constexpr int32_t kDefaultPeriodSeconds = 15;      // scaleUpPeriod, scaleDownPeriod

// The name tables, indexed by the enums' values.
constexpr std::array<std::string_view, 2> kPolicyTypeNames = {"Pods", "Percent"};
static_assert(kPolicyTypeNames.size() == static_cast<size_t>(ScalingPolicyType::kPercent) + 1);
constexpr std::array<std::string_view, 3> kSelectPolicyNames = {"Max", "Min", "Disabled"};
static_assert(kSelectPolicyNames.size() == static_cast<size_t>(SelectPolicy::kDisabled) + 1);

// The value `name` has in `names`, or an error listing the names in alphabetical order.
template <typename Enum, size_t N>
core::StatusOr<Enum> ParseName(const std::array<std::string_view, N>& names,
                               std::string_view name) {
  if (std::optional<Enum> value = core::FindName<Enum>(names, name)) return *value;
  std::array<std::string_view, N> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  std::string message = "unsupported value \"" + std::string(name) + "\"; supported values: ";
  for (size_t i = 0; i < N; ++i) {
    message += (i == 0 ? "\"" : ", \"") + std::string(sorted[i]) + "\"";
  }
  return core::InvalidArgument(std::move(message));
}

// Reads an optional int32 member; out-of-range values are recorded as errors on `r`.
std::optional<int32_t> OptionalInt32(core::FieldReader& r, std::string_view key) {
  const std::optional<int64_t> v = r.OptionalInt(key);
  if (!v) return std::nullopt;
  if (*v < std::numeric_limits<int32_t>::min() || *v > std::numeric_limits<int32_t>::max()) {
    r.Fail(key, "must fit in a 32-bit integer");
    return std::nullopt;
  }
  return static_cast<int32_t>(*v);
}

// A Kubernetes resource.Quantity as used by HPAScalingRules.tolerance: a JSON number, or a
// string holding a decimal number with an optional "m" (milli) suffix, e.g. "0.05" or "50m".
std::optional<double> ParseToleranceQuantity(const core::Json& v) {
  if (v.is_number()) {
    const double d = v.get<double>();
    return std::isfinite(d) ? std::optional<double>(d) : std::nullopt;
  }
  if (!v.is_string()) return std::nullopt;
  std::string s = v.get<std::string>();
  double scale = 1.0;
  if (!s.empty() && s.back() == 'm') {
    scale = 0.001;
    s.pop_back();
  }
  if (s.empty()) return std::nullopt;
  double d = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(d)) return std::nullopt;
  return d * scale;
}

// Parses one direction into `rules`, which holds that direction's defaults on entry.
core::Status ParseRules(const core::Json& json, const std::string& path, ScalingRules& rules) {
  core::FieldReader r(json, path);
  r.RejectUnknown({"stabilizationWindowSeconds", "selectPolicy", "policies", "tolerance"});
  if (const auto window = OptionalInt32(r, "stabilizationWindowSeconds")) {
    if (*window < 0) {
      r.Fail("stabilizationWindowSeconds", "must be greater than or equal to zero");
    } else if (*window > kMaxStabilizationWindowSeconds) {
      r.Fail("stabilizationWindowSeconds",
             "must be less than or equal to " + std::to_string(kMaxStabilizationWindowSeconds));
    }
    rules.stabilization_window_seconds = *window;
  }
  if (const auto select = r.OptionalString("selectPolicy")) {
    const core::StatusOr<SelectPolicy> parsed = ParseSelectPolicy(*select);
    if (parsed.ok()) {
      rules.select_policy = *parsed;
    } else {
      r.Fail("selectPolicy", parsed.status().message());
    }
  }
  if (const core::Json* tolerance = r.Get("tolerance")) {
    const std::optional<double> t = ParseToleranceQuantity(*tolerance);
    if (!t) {
      r.Fail("tolerance", "expected a number or a quantity string such as \"0.05\" or \"50m\"");
    } else if (*t < 0) {
      r.Fail("tolerance", "must be greater than or equal to zero");
    } else {
      rules.tolerance = *t;
    }
  }
  if (const core::Json* policies = r.OptionalArray("policies")) {
    const std::string policies_path = r.FieldPath("policies");
    if (policies->empty()) r.Fail("policies", "must specify at least one policy");
    rules.policies.clear();
    for (size_t i = 0; i < policies->size() && r.ok(); ++i) {
      core::FieldReader p((*policies)[i], core::IndexFieldPath(policies_path, i));
      p.RejectUnknown({"type", "value", "periodSeconds"});
      ScalingPolicy policy;
      const std::string type = p.RequiredString("type");
      if (p.ok()) {
        const core::StatusOr<ScalingPolicyType> parsed = ParseScalingPolicyType(type);
        if (parsed.ok()) {
          policy.type = *parsed;
        } else {
          p.Fail("type", parsed.status().message());
        }
      }
      if (!p.Has("value")) p.Fail("value", "is required");
      if (const auto value = OptionalInt32(p, "value")) {
        if (*value <= 0) p.Fail("value", "must be greater than zero");
        policy.value = *value;
      }
      if (!p.Has("periodSeconds")) p.Fail("periodSeconds", "is required");
      if (const auto period = OptionalInt32(p, "periodSeconds")) {
        if (*period <= 0) {
          p.Fail("periodSeconds", "must be greater than zero");
        } else if (*period > kMaxPeriodSeconds) {
          p.Fail("periodSeconds",
                 "must be less than or equal to " + std::to_string(kMaxPeriodSeconds));
        }
        policy.period_seconds = *period;
      }
      RETURN_IF_ERROR(p.status());
      rules.policies.push_back(policy);
    }
  }
  return r.status();
}

core::Json RulesToJson(const ScalingRules& rules) {
  core::Json policies = core::Json::array();
  for (const ScalingPolicy& p : rules.policies) {
    policies.push_back({{"type", std::string(ScalingPolicyTypeName(p.type))},
                        {"value", p.value},
                        {"periodSeconds", p.period_seconds}});
  }
  core::Json out = {{"stabilizationWindowSeconds", rules.stabilization_window_seconds},
                    {"selectPolicy", std::string(SelectPolicyName(rules.select_policy))},
                    {"policies", std::move(policies)}};
  if (rules.tolerance) out["tolerance"] = *rules.tolerance;
  return out;
}

}  // namespace

ScalingRules DefaultScaleUpRules() {
  ScalingRules rules;
  rules.stabilization_window_seconds = 0;
  rules.select_policy = SelectPolicy::kMax;
  rules.policies = {{ScalingPolicyType::kPods, kDefaultScaleUpPods, kDefaultPeriodSeconds},
                    {ScalingPolicyType::kPercent, kDefaultScaleUpPercent, kDefaultPeriodSeconds}};
  return rules;
}

ScalingRules DefaultScaleDownRules() {
  ScalingRules rules;
  rules.stabilization_window_seconds = kDefaultScaleDownStabilizationSeconds;
  rules.select_policy = SelectPolicy::kMax;
  rules.policies = {{ScalingPolicyType::kPercent, kDefaultScaleDownPercent, kDefaultPeriodSeconds}};
  return rules;
}

Behavior DefaultBehavior() { return Behavior{DefaultScaleUpRules(), DefaultScaleDownRules()}; }

core::StatusOr<Behavior> ParseBehavior(const core::Json& json, std::string_view path) {
  Behavior behavior = DefaultBehavior();
  if (json.is_null()) return behavior;
  core::FieldReader r(json, std::string(path));
  r.RejectUnknown({"scaleUp", "scaleDown"});
  RETURN_IF_ERROR(r.status());
  if (const core::Json* up = r.OptionalObject("scaleUp")) {
    RETURN_IF_ERROR(ParseRules(*up, r.FieldPath("scaleUp"), behavior.scale_up));
  }
  if (const core::Json* down = r.OptionalObject("scaleDown")) {
    RETURN_IF_ERROR(ParseRules(*down, r.FieldPath("scaleDown"), behavior.scale_down));
  }
  RETURN_IF_ERROR(r.status());
  return behavior;
}

core::Json BehaviorToJson(const Behavior& behavior) {
  return {{"scaleUp", RulesToJson(behavior.scale_up)},
          {"scaleDown", RulesToJson(behavior.scale_down)}};
}

std::string_view ScalingPolicyTypeName(ScalingPolicyType type) {
  return kPolicyTypeNames[static_cast<size_t>(type)];
}

core::StatusOr<ScalingPolicyType> ParseScalingPolicyType(std::string_view name) {
  return ParseName<ScalingPolicyType>(kPolicyTypeNames, name);
}

std::string_view SelectPolicyName(SelectPolicy policy) {
  return kSelectPolicyNames[static_cast<size_t>(policy)];
}

core::StatusOr<SelectPolicy> ParseSelectPolicy(std::string_view name) {
  return ParseName<SelectPolicy>(kSelectPolicyNames, name);
}

std::string DescribePolicy(const ScalingPolicy& policy) {
  std::string out(ScalingPolicyTypeName(policy.type));
  out += ' ';
  out += std::to_string(policy.value);
  if (policy.type == ScalingPolicyType::kPercent) out += '%';
  out += " per ";
  out += std::to_string(policy.period_seconds);
  out += 's';
  return out;
}

}  // namespace gov::controller
