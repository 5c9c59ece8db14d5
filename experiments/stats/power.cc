#include "experiments/stats/power.h"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>

namespace gov::experiments::stats {
namespace {

const boost::math::normal kStandardNormal(0.0, 1.0);

// z₁₋α/₂ (two-sided) or z₁₋α (one-sided).
double CriticalValue(const PowerOptions& options) {
  const double tail =
      options.alternative == Alternative::kTwoSided ? options.alpha / 2 : options.alpha;
  return boost::math::quantile(boost::math::complement(kStandardNormal, tail));
}

}  // namespace

double Power(double effect, double std_error, const PowerOptions& options) {
  const double z = CriticalValue(options);
  const double shift = effect / std_error;
  switch (options.alternative) {
    case Alternative::kTwoSided:
      return boost::math::cdf(kStandardNormal, std::abs(shift) - z) +
             boost::math::cdf(kStandardNormal, -std::abs(shift) - z);
    case Alternative::kGreater:
      return boost::math::cdf(kStandardNormal, shift - z);
    case Alternative::kLess:
      return boost::math::cdf(kStandardNormal, -shift - z);
  }
  return 0;
}

double MinimumDetectableEffect(double std_error, const PowerOptions& options) {
  const double z_power = boost::math::quantile(kStandardNormal, options.power);
  return (CriticalValue(options) + z_power) * std_error;
}

TimeToDetect TimeToDetectEffect(double effect, double std_error, int64_t current_units,
                                double units_per_day, const PowerOptions& options) {
  TimeToDetect out;
  const double z_power = boost::math::quantile(kStandardNormal, options.power);
  const double se_needed = std::abs(effect) / (CriticalValue(options) + z_power);
  const double ratio = std_error / se_needed;
  out.units_needed = static_cast<double>(current_units) * ratio * ratio;
  out.additional_units = std::max(0.0, out.units_needed - static_cast<double>(current_units));
  if (out.additional_units == 0) {
    out.days = 0.0;
  } else if (units_per_day > 0) {
    out.days = out.additional_units / units_per_day;
  }
  return out;
}

}  // namespace gov::experiments::stats
