#pragma once

// How a constraint operator reads its operand (`values` or `value`), shared by validation
// (validate.cc) and compilation (compile.cc) so the two always agree. Internal to gov_flags.

#include <re2/re2.h>

#include <cstdint>

#include "flags/model.h"

namespace gov::flags::internal {

enum class OperandKind : uint8_t {
  kNone,           // kUnknown
  kStringSet,      // IN, NOT_IN: `values`, matched exactly
  kStringAffixes,  // STR_STARTS_WITH, STR_ENDS_WITH, STR_CONTAINS: `values`
  kCidrs,          // IN_CIDR: `values`, IPv4/IPv6 addresses or CIDR ranges
  kNumber,         // NUM_*: `value`, a JavaScript Number
  kDate,           // DATE_AFTER, DATE_BEFORE: `value`, an RFC 3339 date-time
  kSemver,         // SEMVER_*: `value`, a semantic version
  kRegex,          // REGEX: `value`, an RE2 pattern
};

// The operand kind of `op`.
OperandKind OperandKindOf(Operator op);

// Whether `kind` reads the `values` list (else the single `value`, if any).
inline bool ReadsValueList(OperandKind kind) {
  return kind == OperandKind::kStringSet || kind == OperandKind::kStringAffixes ||
         kind == OperandKind::kCidrs;
}

// RE2 options for a REGEX constraint: errors are returned, not logged.
RE2::Options RegexOptions(bool case_insensitive);

}  // namespace gov::flags::internal
