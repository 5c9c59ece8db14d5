#include "predictors/fitted_model.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <numbers>
#include <vector>

#include "tests/predictors/test_series.h"

namespace gov::predictors {
namespace {

using std::chrono::seconds;

constexpr std::size_t kStepsPerDay = 288;  // 5-minute steps per day

Series Hist(std::vector<double> values) {
  return testing::MakeSeries(std::move(values), seconds(300));
}

std::vector<double> DailyLoad(std::size_t n, double noise) {
  return testing::SineSeries(n, 288, 600, 0, 400, noise, 3);
}

// The fitted-model API the planner uses: forecasts from a grown series equal a fresh run of
// the same parameters over it.
TEST(FittedModelTest, ForecastFromAGrownSeriesMatchesTheFittedEnd) {
  const std::vector<double> y = DailyLoad(10 * kStepsPerDay, 10);
  PredictOptions options;
  options.horizon_steps = 12;
  options.quantiles = {0.9};
  const Series fitted_series = Hist({y.begin(), y.end() - 100});
  core::StatusOr<FittedModel> fit = FittedModel::Fit(fitted_series, options);
  ASSERT_TRUE(fit.ok()) << fit.status().ToString();
  ASSERT_TRUE(fit->usable()) << fit->prediction().reason;
  // At the fitted end the forecast is Predict's.
  core::StatusOr<Forecast> at_end = fit->ForecastFrom(fitted_series, 12);
  ASSERT_TRUE(at_end.ok()) << at_end.status().ToString();
  for (std::size_t h = 0; h < 12; ++h) {
    EXPECT_NEAR(at_end->point[h], fit->prediction().forecast.point[h], 1e-6) << h;
  }
  // Grown by 100 values (in two calls), the forecast tracks the later data.
  Series grown = Hist({y.begin(), y.end() - 50});
  ASSERT_TRUE(fit->ForecastFrom(grown, 1).ok());
  grown.values = y;
  core::StatusOr<Forecast> later = fit->ForecastFrom(grown, 1);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->start, grown.TimeAt(y.size()));
  const double truth =
      600 + 400 * std::sin(2 * std::numbers::pi * static_cast<double>(y.size()) / 288);
  EXPECT_NEAR(later->point[0], truth, 40);
  EXPECT_GT(fit->PersistenceMae(1), 0);
  EXPECT_LT(fit->BacktestMae(1), fit->PersistenceMae(1));
  EXPECT_GT(fit->BacktestPinball(1, 0.9), 0);
  EXPECT_LT(fit->BacktestPinball(1, 0.9), fit->PersistencePinball(1, 0.9));
  EXPECT_TRUE(std::isnan(fit->BacktestMae(fit->backtest_horizon() + 1)));
  // A series that does not cover the fitted one is refused.
  EXPECT_FALSE(fit->ForecastFrom(Hist({y.begin(), y.begin() + 10}), 1).ok());
}

TEST(FittedModelTest, AFallbackCannotForecast) {
  PredictOptions options;
  const Series short_series = Hist(DailyLoad(288, 10));
  core::StatusOr<FittedModel> fit = FittedModel::Fit(short_series, options);
  ASSERT_TRUE(fit.ok());
  EXPECT_FALSE(fit->usable());
  EXPECT_EQ(fit->prediction().fallback, FallbackReason::kTooShort);
  EXPECT_FALSE(fit->ForecastFrom(short_series, 1).ok());
}

}  // namespace
}  // namespace gov::predictors
