#pragma once

#include <cstdint>

#include "flags/evaluator.h"

namespace gov::flags {

// A deterministic RandomSource for tests: splitmix64 from a fixed seed.
class FixedSeedRandom final : public RandomSource {
 public:
  explicit FixedSeedRandom(uint64_t seed) : state_(seed) {}
  double NextDouble() override {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * 0x1.0p-53;
  }

 private:
  uint64_t state_;
};

// Always returns the same value, so two evaluators draw identical "random" ids no
// matter how many draws each makes.
class ConstantRandom final : public RandomSource {
 public:
  explicit ConstantRandom(double value) : value_(value) {}
  double NextDouble() override { return value_; }

 private:
  double value_;
};

}  // namespace gov::flags
