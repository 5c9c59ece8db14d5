#include "predictors/history.h"

#include <algorithm>
#include <cmath>

namespace gov::predictors {
namespace {

constexpr double kMadToSigma = 1.4826;

double Median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  if (v.size() % 2 == 1) return *mid;
  return (*mid + *std::max_element(v.begin(), mid)) / 2;
}

// Robust standard deviation of the non-NaN values, floored so that a flat series still has one.
double RobustSigma(const std::vector<double>& v, double floor) {
  std::vector<double> finite;
  finite.reserve(v.size());
  for (double x : v) {
    if (!std::isnan(x)) finite.push_back(x);
  }
  const double center = Median(finite);
  for (double& x : finite) x = std::abs(x - center);
  return std::max(kMadToSigma * Median(std::move(finite)), floor);
}

// Median of the (up to) two observed values beside t on one side (direction -1 or +1).
double SideMedian(std::span<const double> y, std::size_t t, int direction) {
  double sum = 0;
  int count = 0;
  for (std::size_t k = 1; k <= 2; ++k) {
    if (direction < 0 && k > t) break;
    const std::size_t u = direction < 0 ? t - k : t + k;
    if (u >= y.size()) break;
    if (std::isnan(y[u])) continue;
    sum += y[u];
    ++count;
  }
  return count > 0 ? sum / count : std::nan("");  // the median of two is their mean
}

}  // namespace

std::vector<double> RemoveOutliers(std::span<const double> y, std::size_t period,
                                   std::size_t* count) {
  const std::size_t n = y.size();
  std::vector<double> local(n, std::nan("")), seasonal(n, std::nan(""));
  std::vector<double> left_deviation(n, std::nan(""));  // the scale of `local`
  std::vector<double> window;
  double scale = 0;
  std::size_t observed = 0;
  for (std::size_t t = 0; t < n; ++t) {
    if (std::isnan(y[t])) continue;
    scale += std::abs(y[t]);
    ++observed;
    // The deviation from the neighbours on each side; a spike disagrees with both in the same
    // direction, the first value after a level shift agrees with those after it.
    const double left = SideMedian(y, t, -1), right = SideMedian(y, t, +1);
    if (!std::isnan(left) && !std::isnan(right)) {
      const double dl = y[t] - left, dr = y[t] - right;
      local[t] = dl * dr > 0 ? (std::abs(dl) < std::abs(dr) ? dl : dr) : 0.0;
      left_deviation[t] = dl;
    }
    if (period == 0) continue;
    window.clear();
    for (std::size_t k = 1; k <= 3 && k * period <= t; ++k) {
      if (!std::isnan(y[t - k * period])) window.push_back(y[t - k * period]);
    }
    if (window.size() >= 2) seasonal[t] = y[t] - Median(window);
  }
  std::vector<double> out(y.begin(), y.end());
  std::size_t removed = 0;
  if (observed > 0 && period > 0) {
    const double floor = 1e-9 * (1 + scale / static_cast<double>(observed));
    const double local_sigma = RobustSigma(left_deviation, floor);
    const double seasonal_sigma = RobustSigma(seasonal, floor);
    for (std::size_t t = 0; t < n; ++t) {
      if (std::isnan(local[t]) || std::isnan(seasonal[t])) continue;
      if (std::abs(local[t]) > 5 * local_sigma && std::abs(seasonal[t]) > 5 * seasonal_sigma) {
        out[t] = std::nan("");
        ++removed;
      }
    }
  }
  if (count != nullptr) *count = removed;
  return out;
}

LevelShift DetectRecentLevelShift(std::span<const double> y, std::size_t period) {
  LevelShift result;
  if (period == 0) return result;
  const std::size_t seasons = std::min<std::size_t>(y.size() / period, 15);
  if (seasons < 3) return result;
  // levels[k]: mean of the k-th season counted back from the end (0 = the last).
  std::vector<double> levels(seasons, std::nan(""));
  for (std::size_t k = 0; k < seasons; ++k) {
    const std::size_t end = y.size() - k * period;
    double sum = 0;
    std::size_t count = 0;
    for (std::size_t t = end - period; t < end; ++t) {
      if (std::isnan(y[t])) continue;
      sum += y[t];
      ++count;
    }
    if (2 * count >= period) levels[k] = sum / static_cast<double>(count);
  }
  if (std::isnan(levels[0])) return result;
  std::vector<double> earlier;
  for (std::size_t k = 1; k < seasons; ++k) {
    if (!std::isnan(levels[k])) earlier.push_back(levels[k]);
  }
  if (earlier.size() < 2) return result;
  result.recent_level = levels[0];
  result.reference_level = Median(earlier);
  const double sigma = RobustSigma(earlier, 0.0);
  const double deviation = std::abs(levels[0] - result.reference_level);
  bool shifted = deviation > 0.5 * std::abs(result.reference_level) && deviation > 5 * sigma;
  if (shifted && seasons >= 8 && !std::isnan(levels[7])) {
    shifted = std::abs(levels[0] - levels[7]) > 0.5 * std::abs(levels[7]);
  }
  result.detected = shifted;
  return result;
}

double GapShare(std::span<const double> y, std::size_t from) {
  if (from >= y.size()) return 0;
  std::size_t gaps = 0;
  for (std::size_t t = from; t < y.size(); ++t) gaps += std::isnan(y[t]) ? 1 : 0;
  return static_cast<double>(gaps) / static_cast<double>(y.size() - from);
}

}  // namespace gov::predictors
