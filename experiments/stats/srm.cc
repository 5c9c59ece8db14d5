#include "experiments/stats/srm.h"

#include <boost/math/distributions/chi_squared.hpp>
#include <cmath>
#include <cstddef>

namespace gov::experiments::stats {

std::optional<SrmResult> SampleRatioMismatch(std::span<const int64_t> units,
                                             std::span<const double> weights) {
  if (units.size() != weights.size() || units.size() < 2) return std::nullopt;
  double total_units = 0;
  double total_weight = 0;
  for (size_t i = 0; i < units.size(); ++i) {
    if (units[i] < 0 || !std::isfinite(weights[i]) || !(weights[i] > 0)) return std::nullopt;
    total_units += static_cast<double>(units[i]);
    total_weight += weights[i];
  }
  if (total_units <= 0) return std::nullopt;
  SrmResult result;
  for (size_t i = 0; i < units.size(); ++i) {
    const double expected = total_units * weights[i] / total_weight;
    const double diff = static_cast<double>(units[i]) - expected;
    result.chi_square += diff * diff / expected;
  }
  const boost::math::chi_squared dist(static_cast<double>(units.size() - 1));
  result.p_value = boost::math::cdf(boost::math::complement(dist, result.chi_square));
  result.mismatch = result.p_value < kSrmThreshold;
  return result;
}

}  // namespace gov::experiments::stats
