#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace gov::predictors {

// Outliers: an observed value more than 5 robust standard deviations (1.4826 * MAD) away both
// from its neighbours (the median of the two values before it and of the two after it, in the
// same direction: the smaller deviation counts) and from the median of the same step in up to
// three earlier seasons. Both must hold, so a peak that recurs every season is kept, and so is
// the new level after a shift; values without neighbours on both sides (the latest) or without
// two earlier seasons are kept.
// Returns y with outliers turned into gaps; `count` (if given) receives how many.
std::vector<double> RemoveOutliers(std::span<const double> y, std::size_t period,
                                   std::size_t* count = nullptr);

// A change of level in the last season (normally the last day) against the seasons before it.
struct LevelShift {
  bool detected = false;
  double recent_level = 0;     // mean of the last season
  double reference_level = 0;  // median of the earlier seasons' means
};

// Compares the mean of the last `period` values with the means of up to 14 seasons before it:
// a shift when it differs from their median by more than half that median and by more than 5
// robust standard deviations of those means, and, when there are at least 8 seasons, also by
// more than half from the mean of the season seven before (a week, for a daily season: so a
// weekend is not a shift).
// Seasons with fewer than half their values observed are skipped. Needs 3 seasons.
LevelShift DetectRecentLevelShift(std::span<const double> y, std::size_t period);

// Share of gaps in y[from..), 0 for an empty range.
double GapShare(std::span<const double> y, std::size_t from = 0);

}  // namespace gov::predictors
