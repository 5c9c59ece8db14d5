#pragma once

// Feature-flag definitions in the Unleash client-API shape
// (GET /api/client/features: {"version": 2, "features": [...], "segments": [...]}).
// These are plain values: parse them with flags/features_json.h, check them with
// flags/internal/validate.h, compile them into an evaluator with flags/snapshot.h.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gov::flags {

// Constraint operators. The first seventeen are Unleash's classic set; kRegex and
// kInCidr are newer (client-specification 6.1.0 files 21 and 22). Governor serves all of
// them to SDKs: unleash-client-node 6.12 evaluates REGEX and IN_CIDR itself, and an SDK
// that does not know an operator evaluates its constraint as false, inverted or not
// (unleash-client-node's checkConstraint).
enum class Operator : uint8_t {
  kIn,
  kNotIn,
  kStrStartsWith,
  kStrEndsWith,
  kStrContains,
  kNumEq,
  kNumGt,
  kNumGte,
  kNumLt,
  kNumLte,
  kDateAfter,
  kDateBefore,
  kSemverEq,
  kSemverGt,
  kSemverLt,
  kSemverGte,
  kSemverLte,
  kRegex,   // RE2 partial match against `value`; `caseInsensitive` applies
  kInCidr,  // IPv4/IPv6 addresses or CIDR ranges in `values`
  kUnknown,
};

// The wire name of `op`, e.g. "STR_STARTS_WITH"; "" for kUnknown.
std::string_view OperatorName(Operator op);
// The operator with wire name `name`; kUnknown when there is none (Unleash SDKs
// evaluate such a constraint as false, and so does Governor).
Operator OperatorFromName(std::string_view name);

// A context condition. List operators read `values`; the numeric, date, semver and
// regex operators read `value`.
struct Constraint {
  std::string context_name;
  std::string op;  // wire name, kept verbatim so unknown operators round-trip
  std::vector<std::string> values;
  std::optional<std::string> value;
  bool case_insensitive = false;
  bool inverted = false;

  bool operator==(const Constraint&) const = default;
};

struct Payload {
  std::string type;  // "string", "json", "csv" or "number"
  std::string value;

  bool operator==(const Payload&) const = default;
};

// Pins a variant for contexts whose `context_name` field is one of `values`.
struct Override {
  std::string context_name;
  std::vector<std::string> values;

  bool operator==(const Override&) const = default;
};

// A feature-level (legacy) or strategy-level variant. Overrides exist only on
// feature-level variants. `weight_type` ("variable" or "fix") tells the admin side how
// weights were distributed; evaluation uses `weight` alone, as the SDKs do.
struct Variant {
  std::string name;
  int64_t weight = 0;
  std::optional<std::string> weight_type;
  std::optional<std::string> stickiness;
  std::optional<Payload> payload;
  std::vector<Override> overrides;

  bool operator==(const Variant&) const = default;
};

// An activation strategy. Built-in names: default, userWithId, flexibleRollout,
// gradualRolloutUserId, gradualRolloutSessionId, gradualRolloutRandom, remoteAddress,
// applicationHostname. Any other name evaluates to false, as in the SDKs.
struct Strategy {
  std::string name;
  std::optional<std::string> id;
  std::optional<std::string> title;
  std::map<std::string, std::string> parameters;
  std::vector<Constraint> constraints;
  std::vector<int64_t> segments;  // segment ids whose constraints also apply
  std::vector<Variant> variants;
  bool disabled = false;  // kept in storage, never evaluated (the Unleash server drops it)
  std::optional<int64_t> sort_order;

  bool operator==(const Strategy&) const = default;
};

// A parent this feature requires: enabled (the default) or disabled, and when
// enabled optionally one of `variants`.
struct Dependency {
  std::string feature;
  std::optional<bool> enabled;
  std::vector<std::string> variants;

  bool operator==(const Dependency&) const = default;
};

// Feature types Unleash knows; anything else is kept but rejected by validation.
inline constexpr std::string_view kFeatureTypes[] = {"release", "experiment", "operational",
                                                     "kill-switch", "permission"};

struct Feature {
  std::string name;
  std::string project;  // "" when absent
  std::string type;     // "" when absent
  std::optional<std::string> description;
  bool stale = false;
  bool impression_data = false;
  bool enabled = false;
  std::vector<Strategy> strategies;
  std::vector<Variant> variants;  // feature-level (legacy) variants
  std::vector<Dependency> dependencies;

  bool operator==(const Feature&) const = default;
};

struct Segment {
  int64_t id = 0;
  std::optional<std::string> name;
  std::vector<Constraint> constraints;

  bool operator==(const Segment&) const = default;
};

// One environment's flags, as the Unleash client API returns them.
struct ClientFeatures {
  int64_t version = 2;
  std::vector<Feature> features;
  std::vector<Segment> segments;

  bool operator==(const ClientFeatures&) const = default;
};

}  // namespace gov::flags
