#include "flags/internal/operand.h"

namespace gov::flags::internal {

OperandKind OperandKindOf(Operator op) {
  switch (op) {
    case Operator::kIn:
    case Operator::kNotIn:
      return OperandKind::kStringSet;
    case Operator::kStrStartsWith:
    case Operator::kStrEndsWith:
    case Operator::kStrContains:
      return OperandKind::kStringAffixes;
    case Operator::kInCidr:
      return OperandKind::kCidrs;
    case Operator::kNumEq:
    case Operator::kNumGt:
    case Operator::kNumGte:
    case Operator::kNumLt:
    case Operator::kNumLte:
      return OperandKind::kNumber;
    case Operator::kDateAfter:
    case Operator::kDateBefore:
      return OperandKind::kDate;
    case Operator::kSemverEq:
    case Operator::kSemverGt:
    case Operator::kSemverLt:
    case Operator::kSemverGte:
    case Operator::kSemverLte:
      return OperandKind::kSemver;
    case Operator::kRegex:
      return OperandKind::kRegex;
    case Operator::kUnknown:
      break;
  }
  return OperandKind::kNone;
}

RE2::Options RegexOptions(bool case_insensitive) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_case_sensitive(!case_insensitive);
  return options;
}

}  // namespace gov::flags::internal
