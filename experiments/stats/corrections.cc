#include "experiments/stats/corrections.h"

#include <algorithm>
#include <cstddef>
#include <numeric>

namespace gov::experiments::stats {
namespace {

// Indices of `p` sorted by ascending p-value (stable: ties keep input order).
std::vector<size_t> AscendingOrder(std::span<const double> p) {
  std::vector<size_t> order(p.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] < p[b]; });
  return order;
}

}  // namespace

std::vector<double> HolmAdjusted(std::span<const double> p_values) {
  const size_t m = p_values.size();
  std::vector<double> adjusted(m);
  const std::vector<size_t> order = AscendingOrder(p_values);
  double running_max = 0;
  for (size_t rank = 0; rank < m; ++rank) {
    const size_t i = order[rank];
    const double value = std::min(1.0, static_cast<double>(m - rank) * p_values[i]);
    running_max = std::max(running_max, value);
    adjusted[i] = running_max;
  }
  return adjusted;
}

std::vector<double> BenjaminiHochbergAdjusted(std::span<const double> p_values) {
  const size_t m = p_values.size();
  std::vector<double> adjusted(m);
  const std::vector<size_t> order = AscendingOrder(p_values);
  double running_min = 1;
  for (size_t rank = m; rank-- > 0;) {
    const size_t i = order[rank];
    const double value =
        std::min(1.0, static_cast<double>(m) * p_values[i] / static_cast<double>(rank + 1));
    running_min = std::min(running_min, value);
    adjusted[i] = running_min;
  }
  return adjusted;
}

}  // namespace gov::experiments::stats
