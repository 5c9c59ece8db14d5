#pragma once

// Retry delays for calls to outside systems (webhooks): exponential backoff with full jitter.

#include <cstdint>
#include <random>

#include "core/clock.h"

namespace gov::integrations {

// Exponential backoff with "full jitter" (Marc Brooker, "Exponential Backoff And Jitter",
// AWS Architecture Blog, 2015): before retry n (0-based) wait a uniformly random time in
// [0, min(cap, base * 2^n)). Randomising the whole interval spreads synchronized clients
// out the most for the least total waiting.
class FullJitterBackoff {
 public:
  FullJitterBackoff(core::Duration base, core::Duration cap, uint64_t seed)
      : base_(base), cap_(cap), rng_(seed) {}

  // The ceiling for retry `attempt` (0-based): min(cap, base * 2^attempt).
  core::Duration Ceiling(int attempt) const;
  // `unit` (in [0, 1)) of the ceiling for retry `attempt`. Pure; Next() feeds it the RNG.
  core::Duration DelayAt(int attempt, double unit) const;
  // The delay before retry `attempt`, drawing the next number from the seeded generator.
  core::Duration Next(int attempt);

 private:
  core::Duration base_;
  core::Duration cap_;
  std::mt19937_64 rng_;
};

}  // namespace gov::integrations
