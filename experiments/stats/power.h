#pragma once

// Power, minimum detectable effect and the expected time to reach it, for an effect whose
// standard error is known at the current sample size (normal approximation; the standard error
// shrinks as 1/sqrt(units)). Effects are in the units of that standard error (relative or
// absolute). Pure functions.

#include <cstdint>
#include <optional>

#include "experiments/stats/analysis.h"

namespace gov::experiments::stats {

struct PowerOptions {
  double alpha = 0.05;
  Alternative alternative = Alternative::kTwoSided;
  double power = 0.8;  // target power, in (0, 1)
};

// The probability of a significant result when the true effect is `effect`: two-sided
// Φ(|Δ|/SE − z₁₋α/₂) + Φ(−|Δ|/SE − z₁₋α/₂); greater Φ(Δ/SE − z₁₋α); less Φ(−Δ/SE − z₁₋α).
// std_error must be > 0.
double Power(double effect, double std_error, const PowerOptions& options);

// The smallest |effect| reaching options.power: (z₁₋α/₂ + z_power)·SE (one-sided: z₁₋α).
double MinimumDetectableEffect(double std_error, const PowerOptions& options);

// The units (over all arms, in the current split) needed so that `effect` is the minimum
// detectable effect, given `std_error` measured with `current_units`, and the days it takes
// at `units_per_day` more units: N = N_now·(SE/SE_needed)², SE_needed = |Δ|/(z + z_power).
struct TimeToDetect {
  double units_needed = 0;
  double additional_units = 0;  // max(0, units_needed − current_units)
  std::optional<double> days;   // nullopt when units_per_day <= 0 and more units are needed
};
TimeToDetect TimeToDetectEffect(double effect, double std_error, int64_t current_units,
                                double units_per_day, const PowerOptions& options);

}  // namespace gov::experiments::stats
