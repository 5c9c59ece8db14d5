#pragma once

#include <chrono>
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace gov::predictors {

// A missing value in a Series.
inline constexpr double kGap = std::numeric_limits<double>::quiet_NaN();

// A regular series: values[i] was observed at start + i * step. A gap (no observation) is NaN.
struct Series {
  core::TimePoint start{};
  std::chrono::seconds step{0};
  std::vector<double> values;

  // The time of values[i].
  core::TimePoint TimeAt(std::size_t i) const { return start + step * static_cast<int64_t>(i); }
  // Number of values that are not gaps.
  std::size_t ObservedCount() const;
};

// One irregular reading, as a metric source or a trace file gives it.
struct Point {
  core::TimePoint time{};
  double value = 0;  // NaN: a missing reading
};

// OK, or InvalidArgument naming the field at fault ("series.step", "series.values[17]"):
// a positive step, at least one value, no infinities.
core::Status ValidateSeries(const Series& series);

// Builds a regular series from readings in any order: the step is the median of the positive
// differences between consecutive distinct timestamps, the start is the first timestamp, each
// reading goes to the nearest step, readings sharing a step are averaged, and steps without
// a reading are gaps. Errors name the reading ("points[3].value") or the whole input
// ("points": empty, fewer than two distinct timestamps, or more than `max_steps` steps).
core::StatusOr<Series> ResampleToRegular(std::span<const Point> points,
                                         std::size_t max_steps = 10'000'000);

// Steps in one season of `season_seconds` (e.g. 86400 for daily): the rounded ratio, or 0 when
// the season is not at least two steps long.
std::size_t SeasonSteps(std::chrono::seconds step, std::chrono::seconds season_seconds);

inline constexpr std::chrono::seconds kDay{86400};
inline constexpr std::chrono::seconds kWeek{7 * 86400};

}  // namespace gov::predictors
