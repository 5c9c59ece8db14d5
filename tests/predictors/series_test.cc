// Building regular series from irregular readings, and validating them.

#include "predictors/series.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/time_format.h"

namespace gov::predictors {
namespace {

using std::chrono::seconds;

const core::TimePoint kT0 = *core::ParseRfc3339("2025-03-01T00:00:00Z");

TEST(ResampleToRegular, MedianStepGapsAndAveraging) {
  // Out of order, some jittered by a few seconds, one step missing (t = 900 s), two readings in the
  // step at 1200 s, and one NaN reading.
  std::vector<Point> points = {
      {kT0 + seconds(600), 3},  {kT0, 1},
      {kT0 + seconds(300), 2},  {kT0 + seconds(1198), 4},
      {kT0 + seconds(1205), 6}, {kT0 + seconds(1500), std::nan("")},
      {kT0 + seconds(1801), 7},
  };
  auto series = ResampleToRegular(points);
  ASSERT_TRUE(series.ok()) << series.status().ToString();
  EXPECT_EQ(series->step, seconds(300));
  EXPECT_EQ(series->start, kT0);
  ASSERT_EQ(series->values.size(), 7u);
  EXPECT_EQ(series->values[0], 1);
  EXPECT_EQ(series->values[1], 2);
  EXPECT_EQ(series->values[2], 3);
  EXPECT_TRUE(std::isnan(series->values[3]));
  EXPECT_EQ(series->values[4], 5);  // mean of 4 and 6
  EXPECT_TRUE(std::isnan(series->values[5]));
  EXPECT_EQ(series->values[6], 7);
  EXPECT_EQ(series->ObservedCount(), 5u);
  EXPECT_EQ(series->TimeAt(6), kT0 + seconds(1800));
}

TEST(ResampleToRegular, ErrorsNameTheInput) {
  EXPECT_EQ(ResampleToRegular({}).status().field(), "points");
  std::vector<Point> same_time = {{kT0, 1}, {kT0, 2}};
  EXPECT_EQ(ResampleToRegular(same_time).status().field(), "points");
  std::vector<Point> infinite = {{kT0, 1}, {kT0 + seconds(60), INFINITY}};
  auto status = ResampleToRegular(infinite).status();
  EXPECT_EQ(status.code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.field(), "points[1].value");
  // A single stray reading a year later would need 525,600 one-minute steps.
  std::vector<Point> far = {
      {kT0, 1}, {kT0 + seconds(60), 1}, {kT0 + seconds(120), 1}, {kT0 + seconds(365 * 86400), 1}};
  EXPECT_EQ(ResampleToRegular(far, 100'000).status().field(), "points");
}

TEST(ValidateSeries, NamesTheField) {
  Series s;
  EXPECT_EQ(ValidateSeries(s).field(), "series.step");
  s.step = seconds(60);
  EXPECT_EQ(ValidateSeries(s).field(), "series.values");
  s.values = {1, std::nan(""), -INFINITY};
  EXPECT_EQ(ValidateSeries(s).field(), "series.values[2]");
  s.values[2] = 3;
  EXPECT_TRUE(ValidateSeries(s).ok());
}

TEST(SeasonSteps, RoundsAndRefusesTooLongSteps) {
  EXPECT_EQ(SeasonSteps(seconds(300), kDay), 288u);
  EXPECT_EQ(SeasonSteps(seconds(1800), kWeek), 336u);
  EXPECT_EQ(SeasonSteps(seconds(7 * 3600), kDay), 3u);  // 3.43 rounded
  EXPECT_EQ(SeasonSteps(seconds(86400), kDay), 0u);     // one step is not a season
  EXPECT_EQ(SeasonSteps(seconds(0), kDay), 0u);
}

}  // namespace
}  // namespace gov::predictors
