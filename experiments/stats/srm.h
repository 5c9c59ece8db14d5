#pragma once

// Sample-ratio mismatch: Pearson's χ² test of the units per variant against the configured
// weights. Pure function.

#include <cstdint>
#include <optional>
#include <span>

namespace gov::experiments::stats {

// Below this p-value the split is reported as a mismatch.
inline constexpr double kSrmThreshold = 0.001;

struct SrmResult {
  double chi_square = 0;
  double p_value = 1;     // upper tail of χ² with (variants − 1) degrees of freedom
  bool mismatch = false;  // p_value < kSrmThreshold
};

// `units[i]` units were seen in variant i whose weight is `weights[i]` (any positive scale:
// Unleash's out of 1000, fractions). nullopt when the test does not apply: sizes differ, fewer
// than two variants, a weight <= 0 or not finite, a negative count, or no units at all.
std::optional<SrmResult> SampleRatioMismatch(std::span<const int64_t> units,
                                             std::span<const double> weights);

}  // namespace gov::experiments::stats
