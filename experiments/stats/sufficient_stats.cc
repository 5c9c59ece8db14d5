#include "experiments/stats/sufficient_stats.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

namespace gov::experiments::stats {
namespace {

// Relative tolerance for Σx² − (Σx)²/n: sums of squares computed in floating point may land a
// hair below (Σx)²/n when every value is equal; below this they are inconsistent.
constexpr double kRoundingTolerance = 1e-9;

Degenerate Error(DegenerateKind kind, std::string message) {
  return Degenerate{kind, std::move(message)};
}

bool AllFinite(std::initializer_list<double> values) {
  for (double v : values) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}

// (Σx² − (Σx)²/n)/(n−1), or nullopt when the sums are inconsistent. Requires n >= 2.
std::optional<double> SampleVariance(int64_t n, double sum, double sum_squares) {
  const double nd = static_cast<double>(n);
  const double centered = sum_squares - sum * sum / nd;
  if (centered < 0) {
    if (-centered > kRoundingTolerance * std::max(1.0, std::abs(sum_squares))) return std::nullopt;
    return 0.0;
  }
  return centered / (nd - 1);
}

MomentsOr TooFew(int64_t n) {
  return Error(DegenerateKind::kTooFewUnits, "needs at least 2 units, has " + std::to_string(n));
}

}  // namespace

double Covariance(int64_t n, double sum_x, double sum_y, double sum_xy) {
  const double nd = static_cast<double>(n);
  return (sum_xy - sum_x * sum_y / nd) / (nd - 1);
}

MomentsOr MeanMoments(const SampleStats& s) {
  if (s.n <= 1) return TooFew(s.n);
  if (!AllFinite({s.sum, s.sum_squares})) {
    return Error(DegenerateKind::kInconsistentStats, "sums are not finite");
  }
  const auto variance = SampleVariance(s.n, s.sum, s.sum_squares);
  if (!variance) {
    return Error(DegenerateKind::kInconsistentStats, "sumSquares is less than sum^2/n");
  }
  return Moments{s.n, s.sum / static_cast<double>(s.n), *variance};
}

MomentsOr ProportionMoments(const SampleStats& s) {
  if (s.n <= 1) return TooFew(s.n);
  if (!std::isfinite(s.sum) || s.sum < 0 || s.sum > static_cast<double>(s.n)) {
    return Error(DegenerateKind::kInconsistentStats, "a proportion's sum must be in [0, n]");
  }
  const double p = s.sum / static_cast<double>(s.n);
  return Moments{s.n, p, p * (1 - p)};
}

MomentsOr SampleMoments(MetricKind kind, const SampleStats& s) {
  switch (kind) {
    case MetricKind::kMean:
      return MeanMoments(s);
    case MetricKind::kProportion:
      return ProportionMoments(s);
    case MetricKind::kRatio:
      break;
  }
  return Error(DegenerateKind::kMismatchedStats, "a ratio metric needs ratio statistics");
}

MomentsOr RatioMoments(const RatioStats& s) {
  if (s.n <= 1) return TooFew(s.n);
  if (!AllFinite({s.numerator.sum, s.numerator.sum_squares, s.denominator.sum,
                  s.denominator.sum_squares, s.cross_sum})) {
    return Error(DegenerateKind::kInconsistentStats, "sums are not finite");
  }
  const double nd = static_cast<double>(s.n);
  const double mean_n = s.numerator.sum / nd;
  const double mean_d = s.denominator.sum / nd;
  if (mean_d == 0) {
    return Error(DegenerateKind::kZeroDenominator, "the denominator's mean is 0");
  }
  const auto var_n = SampleVariance(s.n, s.numerator.sum, s.numerator.sum_squares);
  const auto var_d = SampleVariance(s.n, s.denominator.sum, s.denominator.sum_squares);
  if (!var_n || !var_d) {
    return Error(DegenerateKind::kInconsistentStats, "sumSquares is less than sum^2/n");
  }
  const double cov = Covariance(s.n, s.numerator.sum, s.denominator.sum, s.cross_sum);
  const double variance = *var_n / (mean_d * mean_d) -
                          2 * cov * mean_n / (mean_d * mean_d * mean_d) +
                          *var_d * mean_n * mean_n / (mean_d * mean_d * mean_d * mean_d);
  return Moments{s.n, mean_n / mean_d, std::max(variance, 0.0)};
}

double CupedTheta(const CupedStats& a, const CupedStats& b) {
  const auto pre_a = SampleVariance(a.n, a.pre.sum, a.pre.sum_squares).value_or(0);
  const auto pre_b = SampleVariance(b.n, b.pre.sum, b.pre.sum_squares).value_or(0);
  const double na = static_cast<double>(a.n);
  const double nb = static_cast<double>(b.n);
  const double denominator = pre_a * na + pre_b * nb;
  if (!(denominator > 0)) return 0;
  const double cov_a = Covariance(a.n, a.post.sum, a.pre.sum, a.cross_sum);
  const double cov_b = Covariance(b.n, b.post.sum, b.pre.sum, b.cross_sum);
  const double theta = (cov_a * na + cov_b * nb) / denominator;
  return std::isfinite(theta) ? theta : 0;
}

std::variant<CupedMoments, Degenerate> AdjustedMoments(MetricKind kind, const CupedStats& s,
                                                       double theta) {
  const MomentsOr post = SampleMoments(kind, SampleStats{s.n, s.post.sum, s.post.sum_squares});
  if (const auto* error = std::get_if<Degenerate>(&post)) return *error;
  if (!AllFinite({s.pre.sum, s.pre.sum_squares, s.cross_sum})) {
    return Error(DegenerateKind::kInconsistentStats, "sums are not finite");
  }
  const auto var_pre = SampleVariance(s.n, s.pre.sum, s.pre.sum_squares);
  if (!var_pre) {
    return Error(DegenerateKind::kInconsistentStats, "pre.sumSquares is less than sum^2/n");
  }
  const Moments& m = std::get<Moments>(post);
  const double nd = static_cast<double>(s.n);
  const double cov = Covariance(s.n, s.post.sum, s.pre.sum, s.cross_sum);
  const double variance = m.variance + theta * theta * *var_pre - 2 * theta * cov;
  CupedMoments out;
  out.adjusted = Moments{s.n, m.mean - theta * s.pre.sum / nd, std::max(variance, 0.0)};
  out.post_mean = m.mean;
  return out;
}

}  // namespace gov::experiments::stats
