#pragma once

// The compiled snapshot layout shared by compile.cc and evaluator.cc. Everything is
// immutable after Compile() returns; evaluation only reads it.

#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/murmur3.h"
#include "flags/internal/ip.h"
#include "flags/model.h"
#include "flags/snapshot.h"

namespace gov::flags {

namespace internal {

// Which Context member a context name denotes before falling back to properties.
enum class Field : uint8_t {
  kUserId,
  kSessionId,
  kRemoteAddress,
  kEnvironment,
  kAppName,
  kCurrentTime,
  kProperty
};

// resolveContextValue(context, name): the standard field when it is set, else
// properties[name].
struct FieldRef {
  Field field = Field::kProperty;
  std::string name;
};

struct CompiledConstraint {
  Operator op = Operator::kUnknown;
  FieldRef field;
  bool inverted = false;
  bool case_insensitive = false;
  // List operators: values with "" dropped and the rest trimmed (cleanValues);
  // sorted for IN/NOT_IN, ASCII-lowercased for case-insensitive string operators.
  std::vector<std::string> values;
  double number = 0;  // NUM_*: Number(value), NaN when malformed
  bool date_valid = false;
  int64_t date_ms = 0;  // DATE_*: new Date(value) in epoch milliseconds
  bool semver_valid = false;
  uint64_t semver_major = 0, semver_minor = 0, semver_patch = 0;
  std::string semver_prerelease;
  std::unique_ptr<RE2> regex;    // REGEX: null when the pattern does not compile
  std::vector<IpAddress> cidrs;  // IN_CIDR: the values that parse
};

// A constraint list: [begin, end) in FlagSnapshot::constraints.
struct ConstraintRange {
  uint32_t begin = 0;
  uint32_t end = 0;
};

enum class StrategyKind : uint8_t {
  kDefault,
  kUserWithId,
  kFlexibleRollout,
  kGradualUserId,
  kGradualSessionId,
  kGradualRandom,
  kRemoteAddress,
  kApplicationHostname,
  kUnknown
};

enum class Stickiness : uint8_t { kDefault, kRandom, kField };

struct CompiledOverride {
  FieldRef field;
  std::vector<std::string> values;
};

struct CompiledVariant {
  std::string name;
  int64_t weight = 0;
  bool has_payload = false;
  std::string payload_type;
  std::string payload_value;
  std::vector<CompiledOverride> overrides;
};

// selectVariantDefinition(groupId, stickiness, variants, context) pre-digested.
struct VariantGroup {
  std::vector<CompiledVariant> variants;
  int64_t total_weight = 0;
  int nonzero = 0;  // variants with weight != 0
  bool has_overrides = false;
  bool default_stickiness = true;  // getSeed's userId/sessionId/remoteAddress chain
  FieldRef stickiness_field;       // otherwise resolveContextValue(stickiness)
  core::Murmur3X86_32 prefix{0};   // seed 86028157, after "<groupId>:"
};

struct RemoteAddressEntry {
  std::string text;                  // compared verbatim first
  std::optional<IpAddress> network;  // IPv4 as in the SDK; IPv6 is a Governor extension
};

struct CompiledStrategy {
  StrategyKind kind = StrategyKind::kUnknown;
  ConstraintRange constraints;
  std::vector<uint32_t> segments;  // indices into FlagSnapshot::segments
  bool missing_segment = false;    // references an unknown segment id: always false
  double percentage = 0;           // rollout / percentage parameter, NaN when malformed
  Stickiness stickiness = Stickiness::kDefault;
  FieldRef stickiness_field;
  core::Murmur3X86_32 rollout_prefix{0};  // seed 0, after "<groupId>:"
  std::vector<std::string> user_ids;      // userWithId, sorted
  std::vector<RemoteAddressEntry> addresses;
  bool hostname_matches = false;
  std::optional<VariantGroup> variants;
  bool unconditional = false;  // always true for any context: no constraints or segments,
                               // and default or a >=100% default/random-sticky rollout
};

struct CompiledDependency {
  int32_t parent = -1;  // index into FlagSnapshot::features; -1 when it does not exist
  bool expect_enabled = true;
  std::vector<std::string> variants;
};

struct CompiledFeature {
  std::string name;
  bool enabled = false;
  std::vector<CompiledStrategy> strategies;
  std::optional<VariantGroup> variants;
  std::vector<CompiledDependency> dependencies;
  bool is_static = false;  // the result and variant cannot depend on the context
};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace internal

struct FlagSnapshot {
  std::vector<internal::CompiledFeature> features;
  std::vector<internal::CompiledConstraint> constraints;
  std::vector<internal::ConstraintRange> segments;
  std::unordered_map<std::string, uint32_t, internal::StringHash, std::equal_to<>> index;
  std::vector<uint32_t> order;  // feature indices of distinct names, definition order
  bool utf16_low_byte_keys = true;
};

}  // namespace gov::flags
