#pragma once

// Sufficient statistics of one variant for one metric, and the per-unit moments the
// statistics engine derives from them (docs/statistics.md states each convention):
//   mean:       mean Σx/n, variance (Σx² − (Σx)²/n)/(n−1)
//   proportion: p = Σx/n, variance p(1−p)
//   ratio:      mean μN/μD, variance by the delta method
//               σ²N/μD² − 2·cov(N,D)·μN/μD³ + σ²D·μN²/μD⁴, cov = (Σxy − ΣxΣy/n)/(n−1)
// Pure functions, no I/O.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace gov::experiments::stats {

// Σx and Σx² of one per-unit quantity over a variant's units.
struct Sums {
  double sum = 0;
  double sum_squares = 0;
  bool operator==(const Sums&) const = default;
};

// Mean and proportion metrics: n units, Σx, Σx² (proportion: x is 0 or 1; Σx² is not used).
struct SampleStats {
  int64_t n = 0;
  double sum = 0;
  double sum_squares = 0;
  bool operator==(const SampleStats&) const = default;
};

// Ratio metrics: per unit a numerator x and a denominator y; cross_sum is Σxy.
struct RatioStats {
  int64_t n = 0;
  Sums numerator;
  Sums denominator;
  double cross_sum = 0;
  bool operator==(const RatioStats&) const = default;
};

// CUPED: per unit the metric after exposure (post) and the same metric over the lookback before
// it (pre, the covariate); cross_sum is Σ post·pre.
struct CupedStats {
  int64_t n = 0;
  Sums post;
  Sums pre;
  double cross_sum = 0;
  bool operator==(const CupedStats&) const = default;
};

// One variant's statistics for one metric: which shape depends on the metric kind (ratio:
// RatioStats) and on CUPED (CupedStats, mean and proportion metrics only).
using VariantStats = std::variant<SampleStats, RatioStats, CupedStats>;

enum class MetricKind : uint8_t { kMean, kProportion, kRatio };
inline constexpr std::array<std::string_view, 3> kMetricKindNames = {"mean", "proportion", "ratio"};

// Why a variant has no result. Degenerate input is not invalid input: the variant's result
// carries the error (never NaN), the other variants are computed.
enum class DegenerateKind : uint8_t {
  kTooFewUnits,        // n <= 1 in the control or the treatment
  kZeroVariance,       // a per-unit variance is zero (or negative)
  kZeroControlMean,    // relative effect with a control mean of 0
  kZeroDenominator,    // ratio metric whose denominator mean is 0
  kInconsistentStats,  // the sums cannot come from real data (Σx² < (Σx)²/n, p outside [0,1])
  kMismatchedStats,    // the control and the treatment have different shapes
};
inline constexpr std::array<std::string_view, 6> kDegenerateKindNames = {
    "tooFewUnits",     "zeroVariance",      "zeroControlMean",
    "zeroDenominator", "inconsistentStats", "mismatchedStats"};

struct Degenerate {
  DegenerateKind kind = DegenerateKind::kTooFewUnits;
  std::string message;
  bool operator==(const Degenerate&) const = default;
};

// A variant's per-unit moments: n, mean and variance of one unit's value.
struct Moments {
  int64_t n = 0;
  double mean = 0;
  double variance = 0;
  bool operator==(const Moments&) const = default;
};

using MomentsOr = std::variant<Moments, Degenerate>;

// Mean metric: mean Σx/n, variance (Σx² − (Σx)²/n)/(n−1). n <= 1: kTooFewUnits.
MomentsOr MeanMoments(const SampleStats& s);
// Proportion metric: p = Σx/n, variance p(1−p). n <= 1: kTooFewUnits; Σx outside [0, n]:
// kInconsistentStats.
MomentsOr ProportionMoments(const SampleStats& s);
// Ratio metric by the delta method (see above). Denominator mean 0: kZeroDenominator.
MomentsOr RatioMoments(const RatioStats& s);
// Mean or proportion moments by `kind` (kRatio is kMismatchedStats: use RatioMoments).
MomentsOr SampleMoments(MetricKind kind, const SampleStats& s);

// Sample covariance (Σxy − ΣxΣy/n)/(n−1); requires n >= 2.
double Covariance(int64_t n, double sum_x, double sum_y, double sum_xy);

// CUPED's θ pooled across the two arms: (cov_A·n_A + cov_B·n_B) / (σ²pre_A·n_A + σ²pre_B·n_B),
// 0 when the pooled pre variance is 0. Requires n >= 2 in both.
double CupedTheta(const CupedStats& a, const CupedStats& b);

// The CUPED-adjusted moments of one arm for `theta`: mean μpost − θ·μpre, variance
// σ²post + θ²σ²pre − 2θ·cov(post, pre), where σ²post follows `kind` (mean or proportion).
// Also returns the unadjusted post mean (the base of a relative effect) in `post_mean`.
struct CupedMoments {
  Moments adjusted;
  double post_mean = 0;
};
std::variant<CupedMoments, Degenerate> AdjustedMoments(MetricKind kind, const CupedStats& s,
                                                       double theta);

}  // namespace gov::experiments::stats
