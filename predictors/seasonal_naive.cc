#include "predictors/seasonal_naive.h"

#include <cmath>

namespace gov::predictors {

void SeasonalNaiveForecastFrom(std::span<const double> y, std::size_t period, std::size_t origin,
                               std::size_t horizon, double* out) {
  double latest = std::nan("");
  for (std::size_t back = 0; back <= origin; ++back) {
    if (!std::isnan(y[origin - back])) {
      latest = y[origin - back];
      break;
    }
  }
  for (std::size_t h = 1; h <= horizon; ++h) {
    const std::size_t target = origin + h;
    const std::size_t first_back = period * ((h + period - 1) / period);
    double value = latest;
    for (std::size_t k = 0; k < 4; ++k) {
      const std::size_t back = first_back + k * period;
      if (back > target) break;
      const double v = y[target - back];
      if (!std::isnan(v)) {
        value = v;
        break;
      }
    }
    out[h - 1] = value;
  }
}

std::vector<double> SeasonalNaiveForecast(std::span<const double> y, std::size_t period,
                                          std::size_t horizon) {
  std::vector<double> out(horizon, std::nan(""));
  if (y.empty() || period == 0) return out;
  SeasonalNaiveForecastFrom(y, period, y.size() - 1, horizon, out.data());
  return out;
}

double SeasonalNaiveScale(std::span<const double> y, std::size_t period) {
  double sum = 0;
  std::size_t count = 0;
  for (std::size_t t = period; t < y.size(); ++t) {
    if (std::isnan(y[t]) || std::isnan(y[t - period])) continue;
    sum += std::abs(y[t] - y[t - period]);
    ++count;
  }
  return count > 0 ? sum / static_cast<double>(count) : std::nan("");
}

}  // namespace gov::predictors
