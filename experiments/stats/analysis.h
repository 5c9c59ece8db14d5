#pragma once

// The statistics engine: one treatment against the control, from sufficient statistics.
// Conventions (docs/statistics.md states each with a worked example):
//   absolute effect  Δ = μB − μA,        Var = σ²B/nB + σ²A/nA
//   relative effect  Δ = (μB − μA)/|μA|, Var = σ²B/(nB·μA²) + σ²A·μB²/(nA·μA⁴)   (delta method)
//   frequentist: Welch t-test, Welch–Satterthwaite df from the per-unit variances (also for
//     relative effects); two-sided, `greater` or `less` (half-open intervals); CI at 1 − α.
//   sequential: asymptotic confidence sequences (Waudby-Smith et al., 2023) with always-valid
//     p-values (see SequentialHalfWidth).
//   bayesian: Gaussian posterior on the effect, flat or proper prior on the relative effect;
//     chance to win, credible interval, risk; `inverse` flips the direction.
// Pure functions, no I/O.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "experiments/stats/sufficient_stats.h"

namespace gov::experiments::stats {

enum class Engine : uint8_t { kFrequentist, kBayesian };
inline constexpr std::array<std::string_view, 2> kEngineNames = {"frequentist", "bayesian"};

enum class Difference : uint8_t { kRelative, kAbsolute };
inline constexpr std::array<std::string_view, 2> kDifferenceNames = {"relative", "absolute"};

// The alternative hypothesis about the effect Δ: Δ ≠ 0, Δ > 0 or Δ < 0.
enum class Alternative : uint8_t { kTwoSided, kGreater, kLess };
inline constexpr std::array<std::string_view, 3> kAlternativeNames = {"two-sided", "greater",
                                                                      "less"};

inline constexpr double kDefaultSequentialTuningParameter = 5000;

// A proper Gaussian prior on the relative effect (for an absolute effect it is scaled by the
// control mean: mean·|μA|, variance·μA²).
struct GaussianPrior {
  double mean = 0;
  double variance = 0.09;
  bool operator==(const GaussianPrior&) const = default;
};

struct AnalysisOptions {
  MetricKind metric = MetricKind::kMean;
  Engine engine = Engine::kFrequentist;
  Difference difference = Difference::kRelative;
  double alpha = 0.05;                               // in (0, 1)
  Alternative alternative = Alternative::kTwoSided;  // frequentist only
  // Sequential testing (frequentist) with this tuning parameter N* > 0; nullopt: fixed horizon.
  std::optional<double> sequential_tuning_parameter;
  std::optional<GaussianPrior> prior;  // bayesian only; nullopt: flat (improper) prior
  bool inverse = false;                // smaller is better (bayesian chance to win and risk)
  bool operator==(const AnalysisOptions&) const = default;
};

// One treatment against the control. `expected` is the effect estimate (frequentist) or the
// posterior mean (bayesian), in the units of `difference` (relative: a fraction, 0.05 = +5%).
// When `error` is set the variant has no numbers: every other field is left at its default.
struct VariantResult {
  double expected = 0;
  std::optional<double> ci_low;   // nullopt: −∞ (alternative `less`)
  std::optional<double> ci_high;  // nullopt: +∞ (alternative `greater`)
  double std_error = 0;           // of the effect (bayesian: the posterior standard deviation)
  std::optional<double> p_value;  // frequentist
  std::optional<double> chance_to_win;  // bayesian: P(treatment better), `inverse` honored
  std::optional<std::array<double, 2>>
      risk;  // bayesian: expected loss choosing {control, treatment}
  std::optional<Degenerate> error;
  // The control and treatment moments used (CUPED: adjusted), for callers that show them.
  Moments control;
  Moments treatment;
  double degrees_of_freedom = 0;  // frequentist fixed-horizon: Welch–Satterthwaite
};

// The treatment against the control under `options`. Both must have the same shape (both
// SampleStats, RatioStats or CupedStats; RatioStats needs metric kRatio). Options are assumed
// valid (alpha in (0,1), tuning parameter > 0, prior variance > 0): AnalysisOptions from
// ParseAnalysisRequest are. Never NaN: degenerate input sets `error`.
VariantResult Compare(const AnalysisOptions& options, const VariantStats& control,
                      const VariantStats& treatment);

// Compare for each treatment, in order.
std::vector<VariantResult> Analyze(const AnalysisOptions& options, const VariantStats& control,
                                   std::span<const VariantStats> treatments);

// ---- The building blocks, exposed for tests and for callers composing their own ----------

// The effect and its variance from the two arms' per-unit moments (the conventions above).
struct Effect {
  double estimate = 0;
  double variance = 0;
};
Effect ComputeEffect(const Moments& control, const Moments& treatment, Difference difference);
// Relative effect whose base is `control_base_mean` (CUPED: the unadjusted control mean).
Effect ComputeRelativeEffect(const Moments& control, const Moments& treatment,
                             double control_base_mean, double treatment_base_mean);

// Welch–Satterthwaite degrees of freedom from per-unit variances:
// (σ²A/nA + σ²B/nB)² / ((σ²A/nA)²/(nA−1) + (σ²B/nB)²/(nB−1)).
double WelchDegreesOfFreedom(const Moments& control, const Moments& treatment);

// The asymptotic confidence sequence's half-width (Waudby-Smith et al. 2023, eq. as in
// docs/statistics.md): ρ = sqrt((−2 ln α + ln(−2 ln α + 1)) / N*), N = nA + nB,
// SE·sqrt(N)·sqrt(2(Nρ² + 1)·ln(sqrt(Nρ² + 1)/α) / (Nρ)²).
double SequentialHalfWidth(double std_error, int64_t total_units, double alpha,
                           double tuning_parameter);
// Its always-valid p-value: min(1, sqrt(Nρ² + 1)·exp(−N²ρ²Δ² / (2·N·SE²·(Nρ² + 1)))), the
// smallest α whose sequence excludes 0.
double SequentialPValue(double estimate, double std_error, int64_t total_units, double alpha,
                        double tuning_parameter);

}  // namespace gov::experiments::stats
