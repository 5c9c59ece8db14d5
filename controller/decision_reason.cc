#include "controller/decision_reason.h"

#include <array>
#include <string>

#include "core/name_table.h"

namespace gov::controller {

namespace {

// The name tables, indexed by the enums' values.
constexpr std::array<std::string_view, 11> kReasonNames = {
    "ScaleUpLimit",       "ScaleDownLimit",    "TooManyReplicas",     "TooFewReplicas",
    "DesiredWithinRange", "ScaleUpStabilized", "ScaleDownStabilized", "Cooldown",
    "MissingMetrics",     "ScalingDisabled",   "FailedGetScale",
};
static_assert(kReasonNames.size() == static_cast<size_t>(DecisionReason::kFailedGetScale) + 1);

constexpr std::array<DecisionReason, 8> kLimitReasons = {
    DecisionReason::kScaleUpLimit,      DecisionReason::kScaleDownLimit,
    DecisionReason::kTooManyReplicas,   DecisionReason::kTooFewReplicas,
    DecisionReason::kScaleUpStabilized, DecisionReason::kScaleDownStabilized,
    DecisionReason::kMissingMetrics,    DecisionReason::kCooldown,
};
static_assert(kLimitReasons.size() == static_cast<size_t>(LimitKind::kCooldown) + 1);

constexpr std::array<std::string_view, 3> kDesiredSourceNames = {"metrics", "given", "prediction"};
static_assert(kDesiredSourceNames.size() == static_cast<size_t>(DesiredSource::kPrediction) + 1);

constexpr std::array<std::string_view, 2> kDirectionNames = {"up", "down"};
static_assert(kDirectionNames.size() == static_cast<size_t>(ScaleDirection::kDown) + 1);

template <typename Enum, size_t N>
core::StatusOr<Enum> ParseName(const std::array<std::string_view, N>& names, std::string_view name,
                               std::string_view what) {
  if (std::optional<Enum> value = core::FindName<Enum>(names, name)) return *value;
  return core::InvalidArgument("unknown " + std::string(what) + " \"" + std::string(name) + "\"");
}

}  // namespace

std::string_view DecisionReasonName(DecisionReason reason) {
  return kReasonNames[static_cast<size_t>(reason)];
}

core::StatusOr<DecisionReason> ParseDecisionReason(std::string_view name) {
  return ParseName<DecisionReason>(kReasonNames, name, "decision reason");
}

DecisionReason LimitReason(LimitKind kind) { return kLimitReasons[static_cast<size_t>(kind)]; }

std::optional<LimitKind> ReasonLimit(DecisionReason reason) {
  for (size_t i = 0; i < kLimitReasons.size(); ++i) {
    if (kLimitReasons[i] == reason) return static_cast<LimitKind>(i);
  }
  return std::nullopt;
}

std::string_view LimitKindName(LimitKind kind) { return DecisionReasonName(LimitReason(kind)); }

core::StatusOr<LimitKind> ParseLimitKind(std::string_view name) {
  core::StatusOr<DecisionReason> reason = ParseDecisionReason(name);
  std::optional<LimitKind> kind = reason.ok() ? ReasonLimit(*reason) : std::nullopt;
  if (!kind) return core::InvalidArgument("unknown limit kind \"" + std::string(name) + "\"");
  return *kind;
}

std::string_view ScaleDirectionName(ScaleDirection direction) {
  return kDirectionNames[static_cast<size_t>(direction)];
}

core::StatusOr<ScaleDirection> ParseScaleDirection(std::string_view name) {
  return ParseName<ScaleDirection>(kDirectionNames, name, "scale direction");
}

std::string_view DesiredSourceName(DesiredSource source) {
  return kDesiredSourceNames[static_cast<size_t>(source)];
}

core::StatusOr<DesiredSource> ParseDesiredSource(std::string_view name) {
  return ParseName<DesiredSource>(kDesiredSourceNames, name, "desired source");
}

}  // namespace gov::controller
