#include "experiments/stats/analysis.h"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <string>
#include <utility>
#include <variant>

namespace gov::experiments::stats {
namespace {

using boost::math::cdf;
using boost::math::complement;
using boost::math::quantile;

const boost::math::normal kStandardNormal(0.0, 1.0);

VariantResult Failed(DegenerateKind kind, std::string message) {
  VariantResult result;
  result.error = Degenerate{kind, std::move(message)};
  return result;
}

// The two arms' moments, and the means a relative effect is relative to (CUPED: the
// unadjusted post means; otherwise the means themselves).
struct ArmMoments {
  Moments control;
  Moments treatment;
  double control_base = 0;
  double treatment_base = 0;
};

std::variant<ArmMoments, Degenerate> ResolveMoments(MetricKind kind, const VariantStats& control,
                                                    const VariantStats& treatment) {
  if (control.index() != treatment.index()) {
    return Degenerate{DegenerateKind::kMismatchedStats,
                      "the control and the treatment have different kinds of statistics"};
  }
  const bool ratio_stats = std::holds_alternative<RatioStats>(control);
  if (ratio_stats != (kind == MetricKind::kRatio)) {
    return Degenerate{DegenerateKind::kMismatchedStats,
                      ratio_stats ? "ratio statistics need a ratio metric"
                                  : "a ratio metric needs ratio statistics"};
  }
  if (const auto* a = std::get_if<CupedStats>(&control)) {
    const auto& b = std::get<CupedStats>(treatment);
    if (a->n <= 1 || b.n <= 1) {
      return Degenerate{DegenerateKind::kTooFewUnits,
                        "needs at least 2 units, has " + std::to_string(std::min(a->n, b.n))};
    }
    const double theta = CupedTheta(*a, b);
    auto adjusted_a = AdjustedMoments(kind, *a, theta);
    if (auto* error = std::get_if<Degenerate>(&adjusted_a)) return std::move(*error);
    auto adjusted_b = AdjustedMoments(kind, b, theta);
    if (auto* error = std::get_if<Degenerate>(&adjusted_b)) return std::move(*error);
    const auto& ma = std::get<CupedMoments>(adjusted_a);
    const auto& mb = std::get<CupedMoments>(adjusted_b);
    return ArmMoments{ma.adjusted, mb.adjusted, ma.post_mean, mb.post_mean};
  }
  MomentsOr ma = ratio_stats ? RatioMoments(std::get<RatioStats>(control))
                             : SampleMoments(kind, std::get<SampleStats>(control));
  if (auto* error = std::get_if<Degenerate>(&ma)) return std::move(*error);
  MomentsOr mb = ratio_stats ? RatioMoments(std::get<RatioStats>(treatment))
                             : SampleMoments(kind, std::get<SampleStats>(treatment));
  if (auto* error = std::get_if<Degenerate>(&mb)) return std::move(*error);
  const Moments& a = std::get<Moments>(ma);
  const Moments& b = std::get<Moments>(mb);
  return ArmMoments{a, b, a.mean, b.mean};
}

// E[max(X, 0)] for X ~ N(mean, sd²): mean·Φ(mean/sd) + sd·φ(mean/sd).
double ExpectedPositivePart(double mean, double sd) {
  const double z = mean / sd;
  return mean * cdf(kStandardNormal, z) + sd * boost::math::pdf(kStandardNormal, z);
}

void Frequentist(const AnalysisOptions& options, const ArmMoments& arms, const Effect& effect,
                 VariantResult& result) {
  const double se = result.std_error;
  const double estimate = effect.estimate;
  if (options.sequential_tuning_parameter) {
    const int64_t total = arms.control.n + arms.treatment.n;
    const double tuning = *options.sequential_tuning_parameter;
    if (options.alternative == Alternative::kTwoSided) {
      const double half = SequentialHalfWidth(se, total, options.alpha, tuning);
      result.ci_low = estimate - half;
      result.ci_high = estimate + half;
      result.p_value = SequentialPValue(estimate, se, total, options.alpha, tuning);
      return;
    }
    // One-sided: one bound of the two-sided sequence at 2α.
    const double half = SequentialHalfWidth(se, total, 2 * options.alpha, tuning);
    const bool greater = options.alternative == Alternative::kGreater;
    const bool right_direction = greater ? estimate > 0 : estimate < 0;
    const double two_sided = SequentialPValue(estimate, se, total, 2 * options.alpha, tuning);
    result.p_value = right_direction ? std::min(1.0, two_sided / 2) : 1.0;
    if (greater) {
      result.ci_low = estimate - half;
    } else {
      result.ci_high = estimate + half;
    }
    return;
  }
  const double df = WelchDegreesOfFreedom(arms.control, arms.treatment);
  result.degrees_of_freedom = df;
  const boost::math::students_t t_dist(df);
  const double t = estimate / se;
  switch (options.alternative) {
    case Alternative::kTwoSided: {
      const double q = quantile(complement(t_dist, options.alpha / 2));
      result.ci_low = estimate - q * se;
      result.ci_high = estimate + q * se;
      result.p_value = std::min(1.0, 2 * cdf(complement(t_dist, std::abs(t))));
      break;
    }
    case Alternative::kGreater: {
      const double q = quantile(complement(t_dist, options.alpha));
      result.ci_low = estimate - q * se;
      result.p_value = cdf(complement(t_dist, t));
      break;
    }
    case Alternative::kLess: {
      const double q = quantile(complement(t_dist, options.alpha));
      result.ci_high = estimate + q * se;
      result.p_value = cdf(t_dist, t);
      break;
    }
  }
}

std::optional<Degenerate> Bayesian(const AnalysisOptions& options, const ArmMoments& arms,
                                   const Effect& effect, VariantResult& result) {
  double mean = effect.estimate;
  double variance = effect.variance;
  if (options.prior) {
    double prior_mean = options.prior->mean;
    double prior_variance = options.prior->variance;
    if (options.difference == Difference::kAbsolute) {
      const double scale = std::abs(arms.control_base);
      if (scale == 0) {
        return Degenerate{DegenerateKind::kZeroControlMean,
                          "a prior on the relative effect needs a control mean other than 0"};
      }
      prior_mean *= scale;
      prior_variance *= scale * scale;
    }
    const double precision = 1 / variance + 1 / prior_variance;
    mean = (effect.estimate / variance + prior_mean / prior_variance) / precision;
    variance = 1 / precision;
  }
  const double sd = std::sqrt(variance);
  result.expected = mean;
  result.std_error = sd;
  const double z = quantile(complement(kStandardNormal, options.alpha / 2));
  result.ci_low = mean - z * sd;
  result.ci_high = mean + z * sd;
  const double p_greater = cdf(complement(kStandardNormal, -mean / sd));  // P(Δ > 0)
  const double loss_if_control = ExpectedPositivePart(mean, sd);          // E[max(Δ, 0)]
  const double loss_if_treatment = ExpectedPositivePart(-mean, sd);       // E[max(−Δ, 0)]
  if (options.inverse) {
    result.chance_to_win = 1 - p_greater;
    result.risk = std::array<double, 2>{loss_if_treatment, loss_if_control};
  } else {
    result.chance_to_win = p_greater;
    result.risk = std::array<double, 2>{loss_if_control, loss_if_treatment};
  }
  return std::nullopt;
}

bool Finite(const std::optional<double>& v) { return !v || std::isfinite(*v); }

}  // namespace

Effect ComputeEffect(const Moments& control, const Moments& treatment, Difference difference) {
  if (difference == Difference::kRelative) {
    return ComputeRelativeEffect(control, treatment, control.mean, treatment.mean);
  }
  return Effect{treatment.mean - control.mean,
                treatment.variance / static_cast<double>(treatment.n) +
                    control.variance / static_cast<double>(control.n)};
}

Effect ComputeRelativeEffect(const Moments& control, const Moments& treatment,
                             double control_base_mean, double treatment_base_mean) {
  const double a2 = control_base_mean * control_base_mean;
  const double na = static_cast<double>(control.n);
  const double nb = static_cast<double>(treatment.n);
  return Effect{(treatment.mean - control.mean) / std::abs(control_base_mean),
                treatment.variance / (nb * a2) +
                    control.variance * treatment_base_mean * treatment_base_mean / (na * a2 * a2)};
}

double WelchDegreesOfFreedom(const Moments& control, const Moments& treatment) {
  const double va = control.variance / static_cast<double>(control.n);
  const double vb = treatment.variance / static_cast<double>(treatment.n);
  return (va + vb) * (va + vb) /
         (va * va / static_cast<double>(control.n - 1) +
          vb * vb / static_cast<double>(treatment.n - 1));
}

// Waudby-Smith, Arbour, Sinha, Kennedy, Ramdas (2023), "Time-uniform central limit theory and
// asymptotic confidence sequences", the asymptotic CS of their Theorem 2.2, as GrowthBook uses
// it: with N = nA + nB units so far and SE the standard error of the effect (so SE·sqrt(N) is
// the per-unit standard deviation), the half-width below holds uniformly over N with
// probability 1 − α. ρ is chosen so the sequence is tightest at N = N*.
double SequentialHalfWidth(double std_error, int64_t total_units, double alpha,
                           double tuning_parameter) {
  const double n = static_cast<double>(total_units);
  const double log_alpha = -2 * std::log(alpha);
  const double rho2 = (log_alpha + std::log(log_alpha + 1)) / tuning_parameter;
  const double nr2 = n * rho2;
  return std_error * std::sqrt(n) *
         std::sqrt(2 * (nr2 + 1) * std::log(std::sqrt(nr2 + 1) / alpha) / (n * nr2));
}

// The p-value dual to the sequence: the α' at which |Δ| equals the half-width for a fixed ρ,
// i.e. sqrt(Nρ² + 1)·exp(−(Nρ)²Δ² / (2·N·SE²·(Nρ² + 1))), capped at 1.
double SequentialPValue(double estimate, double std_error, int64_t total_units, double alpha,
                        double tuning_parameter) {
  const double n = static_cast<double>(total_units);
  const double log_alpha = -2 * std::log(alpha);
  const double rho2 = (log_alpha + std::log(log_alpha + 1)) / tuning_parameter;
  const double nr2 = n * rho2;
  const double z2 = estimate * estimate / (std_error * std_error);
  const double p = std::sqrt(nr2 + 1) * std::exp(-nr2 * z2 / (2 * (nr2 + 1)));
  return std::min(1.0, p);
}

VariantResult Compare(const AnalysisOptions& options, const VariantStats& control,
                      const VariantStats& treatment) {
  auto resolved = ResolveMoments(options.metric, control, treatment);
  if (auto* error = std::get_if<Degenerate>(&resolved)) {
    VariantResult result;
    result.error = std::move(*error);
    return result;
  }
  const ArmMoments& arms = std::get<ArmMoments>(resolved);
  if (!(arms.control.variance > 0) || !(arms.treatment.variance > 0)) {
    return Failed(DegenerateKind::kZeroVariance, arms.control.variance > 0
                                                     ? "the treatment's variance is 0"
                                                     : "the control's variance is 0");
  }
  Effect effect;
  if (options.difference == Difference::kRelative) {
    if (arms.control_base == 0) {
      return Failed(DegenerateKind::kZeroControlMean,
                    "the control mean is 0: a relative effect is undefined");
    }
    effect =
        ComputeRelativeEffect(arms.control, arms.treatment, arms.control_base, arms.treatment_base);
  } else {
    effect = ComputeEffect(arms.control, arms.treatment, Difference::kAbsolute);
  }
  if (!std::isfinite(effect.estimate) || !(effect.variance > 0) ||
      !std::isfinite(effect.variance)) {
    return Failed(DegenerateKind::kInconsistentStats, "the effect's variance is not finite");
  }
  VariantResult result;
  result.control = arms.control;
  result.treatment = arms.treatment;
  result.expected = effect.estimate;
  result.std_error = std::sqrt(effect.variance);
  if (options.engine == Engine::kFrequentist) {
    Frequentist(options, arms, effect, result);
  } else if (auto error = Bayesian(options, arms, effect, result)) {
    VariantResult failed;
    failed.error = std::move(*error);
    return failed;
  }
  if (!std::isfinite(result.expected) || !std::isfinite(result.std_error) ||
      !Finite(result.ci_low) || !Finite(result.ci_high) || !Finite(result.p_value) ||
      !Finite(result.chance_to_win) ||
      (result.risk && (!std::isfinite((*result.risk)[0]) || !std::isfinite((*result.risk)[1])))) {
    return Failed(DegenerateKind::kInconsistentStats, "the result is not finite");
  }
  return result;
}

std::vector<VariantResult> Analyze(const AnalysisOptions& options, const VariantStats& control,
                                   std::span<const VariantStats> treatments) {
  std::vector<VariantResult> results;
  results.reserve(treatments.size());
  for (const VariantStats& treatment : treatments) {
    results.push_back(Compare(options, control, treatment));
  }
  return results;
}

}  // namespace gov::experiments::stats
