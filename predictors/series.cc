#include "predictors/series.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace gov::predictors {

std::size_t Series::ObservedCount() const {
  return static_cast<std::size_t>(
      std::count_if(values.begin(), values.end(), [](double v) { return !std::isnan(v); }));
}

core::Status ValidateSeries(const Series& series) {
  if (series.step.count() <= 0) {
    return core::InvalidArgument(
        "step must be positive, got " + std::to_string(series.step.count()), "series.step");
  }
  if (series.values.empty()) return core::InvalidArgument("no values", "series.values");
  for (std::size_t i = 0; i < series.values.size(); ++i) {
    if (std::isinf(series.values[i])) {
      return core::InvalidArgument("value is infinite", "series.values[" + std::to_string(i) + "]");
    }
  }
  return core::Status::Ok();
}

core::StatusOr<Series> ResampleToRegular(std::span<const Point> points, std::size_t max_steps) {
  if (points.empty()) return core::InvalidArgument("no readings", "points");
  std::vector<std::size_t> order(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (std::isinf(points[i].value)) {
      return core::InvalidArgument("value is infinite", "points[" + std::to_string(i) + "].value");
    }
    order[i] = i;
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return points[a].time < points[b].time; });
  std::vector<core::Duration> diffs;
  diffs.reserve(points.size());
  for (std::size_t i = 1; i < order.size(); ++i) {
    core::Duration d = points[order[i]].time - points[order[i - 1]].time;
    if (d.count() > 0) diffs.push_back(d);
  }
  if (diffs.empty()) return core::InvalidArgument("fewer than two distinct timestamps", "points");
  auto mid = diffs.begin() + static_cast<std::ptrdiff_t>(diffs.size() / 2);
  std::nth_element(diffs.begin(), mid, diffs.end());
  // Whole seconds: traces carry second resolution and seasons are whole seconds.
  auto step = std::chrono::round<std::chrono::seconds>(*mid);
  if (step.count() <= 0) step = std::chrono::seconds(1);

  const core::TimePoint start = points[order.front()].time;
  const core::Duration span = points[order.back()].time - start;
  const double steps_exact =
      static_cast<double>(span.count()) / static_cast<double>(core::Duration(step).count());
  if (steps_exact + 1 > static_cast<double>(max_steps)) {
    return core::InvalidArgument(
        "readings span " + std::to_string(static_cast<int64_t>(steps_exact)) + " steps of " +
            std::to_string(step.count()) + " s, over the " + std::to_string(max_steps) + " allowed",
        "points");
  }
  const std::size_t n = static_cast<std::size_t>(std::llround(steps_exact)) + 1;
  std::vector<double> sum(n, 0.0);
  std::vector<int> count(n, 0);
  for (std::size_t i : order) {
    if (std::isnan(points[i].value)) continue;
    const double offset = static_cast<double>((points[i].time - start).count()) /
                          static_cast<double>(core::Duration(step).count());
    const auto k = std::min(n - 1, static_cast<std::size_t>(std::llround(offset)));
    sum[k] += points[i].value;
    ++count[k];
  }
  Series out;
  out.start = start;
  out.step = step;
  out.values.resize(n);
  for (std::size_t k = 0; k < n; ++k) out.values[k] = count[k] > 0 ? sum[k] / count[k] : kGap;
  return out;
}

std::size_t SeasonSteps(std::chrono::seconds step, std::chrono::seconds season_seconds) {
  if (step.count() <= 0) return 0;
  const auto m = static_cast<std::size_t>(std::llround(static_cast<double>(season_seconds.count()) /
                                                       static_cast<double>(step.count())));
  return m >= 2 ? m : 0;
}

}  // namespace gov::predictors
