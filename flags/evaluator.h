#pragma once

// Evaluating one flag for one context against a compiled snapshot, with the
// semantics of unleash-client-node 6.x (isEnabled / getVariant), verified by the
// Unleash client specification (tests/flags/spec_conformance_test.cc).
//
// Hot path: no locks and no heap allocation, except inside RE2 for REGEX constraints
// (RE2 guards its lazily built DFA cache with an internal lock and may allocate while
// filling it). tests/flags/allocation_test.cc replaces operator new with a counting one
// and evaluates every strategy kind and every other operator on a fresh thread: zero
// allocations. Results hold string_views into the snapshot, so nothing is copied out.

#include <string_view>

#include "core/clock.h"
#include "flags/context.h"
#include "flags/snapshot.h"

namespace gov::flags {

// OpenFeature (OFREP) resolution reasons.
enum class Reason : uint8_t {
  kStatic,          // on for everyone: no condition, rollout split or variant split applies
  kTargetingMatch,  // decided by the context (constraints, user lists, overrides, parents)
  kSplit,           // a percentage rollout or a weighted variant choice decided it
  kDisabled,        // the flag is off in this environment
  kError,           // the flag does not exist
};

// "STATIC", "TARGETING_MATCH", "SPLIT", "DISABLED" or "ERROR".
std::string_view ReasonName(Reason reason);

// The getVariant() result. Views point into the snapshot: keep it alive while using them.
struct VariantResult {
  std::string_view name = "disabled";
  bool enabled = false;          // a variant was chosen
  bool feature_enabled = false;  // the flag itself evaluated to true
  bool has_payload = false;
  std::string_view payload_type;
  std::string_view payload_value;
};

struct EvaluationResult {
  bool found = false;    // the flag exists in the snapshot
  bool enabled = false;  // isEnabled()
  VariantResult variant;
  Reason reason = Reason::kError;
};

// Uniform doubles in [0, 1), like Math.random(), for "random" stickiness and
// gradualRolloutRandom. Not shared between threads.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual double NextDouble() = 0;
};

// Evaluates `flag` for `context`. Date constraints use context.current_time, else `now`.
// Thread-safe for concurrent readers of one snapshot; randomness comes from a
// per-thread generator.
EvaluationResult Evaluate(const FlagSnapshot& snapshot, std::string_view flag,
                          const Context& context, core::TimePoint now);
// Same, drawing randomness from `random`.
EvaluationResult Evaluate(const FlagSnapshot& snapshot, std::string_view flag,
                          const Context& context, core::TimePoint now, RandomSource& random);

// Unleash isEnabled(flag, context): false for unknown flags.
bool IsEnabled(const FlagSnapshot& snapshot, std::string_view flag, const Context& context,
               core::TimePoint now);
// Unleash getVariant(flag, context): {"disabled", enabled=false, feature_enabled=false}
// for unknown flags.
VariantResult GetVariant(const FlagSnapshot& snapshot, std::string_view flag,
                         const Context& context, core::TimePoint now);

// The bucket, 1 to 100, that a flexibleRollout with `group_id` puts `id` in (the SDKs'
// normalizedHash with seed 0): the unit is within a rollout of p percent when the bucket is
// <= p. Hashed as flags compile with the default key encoding.
uint32_t RolloutBucket(std::string_view group_id, std::string_view id);

}  // namespace gov::flags
