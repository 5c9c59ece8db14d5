#include "flags/model.h"

#include <array>
#include <utility>

namespace gov::flags {

namespace {

constexpr std::array<std::pair<Operator, std::string_view>, 19> kOperatorNames = {{
    {Operator::kIn, "IN"},
    {Operator::kNotIn, "NOT_IN"},
    {Operator::kStrStartsWith, "STR_STARTS_WITH"},
    {Operator::kStrEndsWith, "STR_ENDS_WITH"},
    {Operator::kStrContains, "STR_CONTAINS"},
    {Operator::kNumEq, "NUM_EQ"},
    {Operator::kNumGt, "NUM_GT"},
    {Operator::kNumGte, "NUM_GTE"},
    {Operator::kNumLt, "NUM_LT"},
    {Operator::kNumLte, "NUM_LTE"},
    {Operator::kDateAfter, "DATE_AFTER"},
    {Operator::kDateBefore, "DATE_BEFORE"},
    {Operator::kSemverEq, "SEMVER_EQ"},
    {Operator::kSemverGt, "SEMVER_GT"},
    {Operator::kSemverLt, "SEMVER_LT"},
    {Operator::kSemverGte, "SEMVER_GTE"},
    {Operator::kSemverLte, "SEMVER_LTE"},
    {Operator::kRegex, "REGEX"},
    {Operator::kInCidr, "IN_CIDR"},
}};

}  // namespace

std::string_view OperatorName(Operator op) {
  for (const auto& [o, name] : kOperatorNames) {
    if (o == op) return name;
  }
  return "";
}

Operator OperatorFromName(std::string_view name) {
  for (const auto& [o, n] : kOperatorNames) {
    if (n == name) return o;
  }
  return Operator::kUnknown;
}

}  // namespace gov::flags
