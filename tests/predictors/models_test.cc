// Each model on series of known structure: seasonal naive, Holt-Winters (recursions pinned by
// hand, fits on synthetic series, additive against multiplicative, gaps), Fourier regression.

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "predictors/fourier_regression.h"
#include "predictors/history.h"
#include "predictors/holt_winters.h"
#include "predictors/seasonal_naive.h"
#include "tests/predictors/test_series.h"

namespace gov::predictors {
namespace {

using testing::SineSeries;

double MeanAbsDiff(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += std::abs(a[i] - b[i]);
  return sum / static_cast<double>(a.size());
}

// The noise-free continuation of SineSeries after n values.
std::vector<double> Truth(std::size_t n, std::size_t horizon, std::size_t period, double level,
                          double slope, double amplitude) {
  auto all = SineSeries(n + horizon, period, level, slope, amplitude, 0);
  return {all.begin() + static_cast<std::ptrdiff_t>(n), all.end()};
}

TEST(SeasonalNaive, RepeatsTheLastSeasonAndLooksPastGaps) {
  std::vector<double> y = {1, 2, 3, 4, 5, 6, 7, 8};  // period 3
  EXPECT_EQ(SeasonalNaiveForecast(y, 3, 4), (std::vector<double>{6, 7, 8, 6}));
  y[5] = std::nan("");  // the value a season back is missing: take two seasons back (3)
  EXPECT_EQ(SeasonalNaiveForecast(y, 3, 1), (std::vector<double>{3}));
  // MASE scale: |y[t] - y[t-3]| = 3 for every pair with both observed.
  EXPECT_DOUBLE_EQ(SeasonalNaiveScale(y, 3), 3.0);
}

// Hand-computed: period 2, alpha = gamma = 1/2, level 10, seasonal {1, -1}, y = {12, 8}.
//   step 1: forecast 11, error 1;    level 0.5*(12-1) + 0.5*10 = 10.5;  s0 = 0.5*2 + 0.5*1 = 1.5
//   step 2: forecast 9.5, error -1.5; level 0.5*(8+1) + 0.5*10.5 = 9.75; s1 = 0.5*(-2.5) - 0.5 =
//   -1.75 SSE 3.25; forecasts 9.75 + 1.5 = 11.25 and 9.75 - 1.75 = 8.
TEST(HoltWinters, RecursionsMatchAHandComputation) {
  HoltWintersConfig config{2, Seasonality::kAdditive, Trend::kNone};
  HoltWintersParams params{0.5, 0, 0.5, 1};
  HoltWintersState initial{10, 0, {1, -1}};
  std::vector<double> y = {12, 8};
  EXPECT_DOUBLE_EQ(HoltWintersSse(y, config, params, initial), 3.25);
  HoltWintersRunner runner(config, params, initial);
  EXPECT_DOUBLE_EQ(runner.Observe(12), 1);
  EXPECT_DOUBLE_EQ(runner.Observe(8), -1.5);
  double forecast[2];
  runner.Forecast(2, forecast);
  EXPECT_DOUBLE_EQ(forecast[0], 11.25);
  EXPECT_DOUBLE_EQ(forecast[1], 8.0);
  // A gap advances on the forecast: the level stays, the next seasonal term is untouched.
  EXPECT_TRUE(std::isnan(runner.Observe(std::nan(""))));
  EXPECT_DOUBLE_EQ(runner.State().level, 9.75);
  EXPECT_DOUBLE_EQ(runner.State().seasonal[0], -1.75);
}

TEST(HoltWinters, FitsDailySineWithTrend) {
  const std::size_t period = 24, n = 14 * period;
  auto y = SineSeries(n, period, 100, 0.05, 20, 2);
  for (Trend trend : {Trend::kNone, Trend::kAdditive, Trend::kDamped}) {
    SCOPED_TRACE(std::string(TrendName(trend)));
    auto fit = FitHoltWinters(y, {period, Seasonality::kAdditive, trend});
    ASSERT_TRUE(fit.ok()) << fit.status().ToString();
    EXPECT_GT(fit->evaluations, 10);
    const auto forecast = HoltWintersForecast(*fit, period);
    EXPECT_LT(MeanAbsDiff(forecast, Truth(n, period, period, 100, 0.05, 20)), 3.0);
    if (trend == Trend::kDamped) {
      EXPECT_GE(fit->params.phi, 0.8);
      EXPECT_LE(fit->params.phi, 0.98);
    }
    EXPECT_LE(fit->params.beta, fit->params.alpha);
    EXPECT_LE(fit->params.gamma, 1 - fit->params.alpha + 1e-12);
  }
}

TEST(HoltWinters, MultiplicativeWinsWhenTheSwingGrowsWithTheLevel) {
  const std::size_t period = 24, n = 21 * period;
  // Level doubles over three weeks and the daily swing is 40% of the level.
  std::vector<double> growing(n), constant = SineSeries(n, period, 200, 0.2, 40, 3, 11);
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0, 0.01);
  for (std::size_t t = 0; t < n; ++t) {
    const double level = 100 * std::pow(2.0, static_cast<double>(t) / static_cast<double>(n));
    growing[t] = level *
                 (1 + 0.4 * std::sin(2 * std::numbers::pi * static_cast<double>(t) / period)) *
                 (1 + noise(rng));
  }
  auto sse = [&](const std::vector<double>& y, Seasonality seasonality) {
    auto fit = FitHoltWinters(y, {period, seasonality, Trend::kDamped});
    EXPECT_TRUE(fit.ok()) << fit.status().ToString();
    return fit.ok() ? fit->sse : 0.0;
  };
  EXPECT_LT(sse(growing, Seasonality::kMultiplicative), 0.5 * sse(growing, Seasonality::kAdditive));
  EXPECT_LT(sse(constant, Seasonality::kAdditive), sse(constant, Seasonality::kMultiplicative));
}

TEST(HoltWinters, GapsAreSkippedNotFatal) {
  const std::size_t period = 24, n = 14 * period;
  auto y = SineSeries(n, period, 100, 0, 20, 2);
  std::mt19937 rng(5);
  for (std::size_t t = 0; t < n; ++t) {
    if (rng() % 10 == 0) y[t] = std::nan("");  // about 10% missing
  }
  y[n - 1] = y[n - 2] = std::nan("");  // and the latest two
  auto fit = FitHoltWinters(y, {period, Seasonality::kAdditive, Trend::kNone});
  ASSERT_TRUE(fit.ok()) << fit.status().ToString();
  EXPECT_TRUE(std::isfinite(fit->sse));
  EXPECT_LT(MeanAbsDiff(HoltWintersForecast(*fit, period), Truth(n, period, period, 100, 0, 20)),
            3.0);
}

TEST(HoltWinters, RefusesWhatItCannotFit) {
  std::vector<double> short_series(30, 1.0);
  EXPECT_EQ(
      FitHoltWinters(short_series, {24, Seasonality::kAdditive, Trend::kNone}).status().field(),
      "series.values");
  std::vector<double> with_zero(48, 1.0);
  with_zero[30] = 0;
  EXPECT_EQ(
      FitHoltWinters(with_zero, {24, Seasonality::kMultiplicative, Trend::kNone}).status().field(),
      "series.values[30]");
}

TEST(FourierRegression, FitsTrendAndDailySineThroughGaps) {
  const std::size_t period = 288, n = 10 * period;
  auto y = SineSeries(n, period, 100, 0.01, 30, 4);
  std::mt19937 rng(9);
  for (std::size_t t = 0; t < n; ++t) {
    if (rng() % 5 == 0) y[t] = std::nan("");  // 20% missing
  }
  auto model = FourierModel::Fit(y, {period, 0});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  std::vector<double> forecast(period);
  model->ForecastFrom(y, n - 1, period, forecast.data());
  EXPECT_LT(MeanAbsDiff(forecast, Truth(n, period, period, 100, 0.01, 30)), 1.5);
  EXPECT_GE(model->rho(), 0.0);
  EXPECT_LE(model->rho(), 0.99);
  // The fitted slope is the generating one.
  for (const Parameter& p : model->Parameters()) {
    if (p.name == "trendPerStep") {
      EXPECT_NEAR(p.value, 0.01, 0.002);
    }
  }
}

TEST(FourierRegression, WeeklyTermsCaptureAWeekendDip) {
  const std::size_t day = 48, week = 7 * day, n = 4 * week;
  std::vector<double> y = SineSeries(n, day, 100, 0, 20, 2, 21);
  for (std::size_t t = 0; t < n; ++t) {
    if ((t / day) % 7 >= 5) y[t] -= 40;  // Saturday and Sunday
  }
  auto daily_only = FourierModel::Fit(y, {day, 0});
  auto weekly = FourierModel::Fit(y, {day, week, 10, 12});
  ASSERT_TRUE(daily_only.ok() && weekly.ok());
  double err_daily = 0, err_weekly = 0;
  for (std::size_t t = 0; t < n; ++t) {
    err_daily += std::abs(y[t] - daily_only->Regression(static_cast<double>(t)));
    err_weekly += std::abs(y[t] - weekly->Regression(static_cast<double>(t)));
  }
  EXPECT_LT(err_weekly, 0.5 * err_daily);
}

// A refit on the same values extended at their end continues the first fit's sums and equals a
// fit from scratch exactly; values that do not extend them start over.
TEST(FourierRegression, RefitOnAnExtendedSeriesEqualsAFreshFit) {
  const std::size_t day = 48, week = 7 * day, n = 3 * week;
  std::vector<double> y = SineSeries(n, day, 100, 0.02, 20, 3, 5);
  y[40] = y[41] = y[n - 30] = std::nan("");
  const FourierConfig config{day, week, 10, 6};
  FourierSums sums;
  ASSERT_TRUE(FourierModel::Fit(std::span(y).first(2 * week), config, &sums).ok());
  auto continued = FourierModel::Fit(y, config, &sums);
  auto fresh = FourierModel::Fit(y, config);
  ASSERT_TRUE(continued.ok() && fresh.ok());
  EXPECT_EQ(continued->rho(), fresh->rho());
  for (double t : {0.0, 100.0, 1000.0, static_cast<double>(n + 5)}) {
    EXPECT_EQ(continued->Regression(t), fresh->Regression(t)) << t;
  }
  // Other values: the sums start over, and the fit is again that of those values alone.
  std::vector<double> other = y;
  other[3] += 1;
  auto restarted = FourierModel::Fit(other, config, &sums);
  auto other_fresh = FourierModel::Fit(other, config);
  ASSERT_TRUE(restarted.ok() && other_fresh.ok());
  EXPECT_EQ(restarted->Regression(500), other_fresh->Regression(500));
}

TEST(History, RemovesSpikesButKeepsRecurringPeaksAndShifts) {
  const std::size_t period = 48, n = 6 * period;
  auto y = SineSeries(n, period, 100, 0, 30, 2, 4);
  for (std::size_t t = 0; t < n; ++t) {
    if (t % period == 10) y[t] += 80;  // a sharp peak every day: not an outlier
  }
  y[200] += 500;                                      // a lone spike
  for (std::size_t t = 255; t < n; ++t) y[t] += 300;  // a level shift near the end
  std::size_t removed = 0;
  auto cleaned = RemoveOutliers(y, period, &removed);
  EXPECT_EQ(removed, 1u);
  EXPECT_TRUE(std::isnan(cleaned[200]));
  EXPECT_FALSE(std::isnan(cleaned[4 * period + 10]));
  EXPECT_FALSE(std::isnan(cleaned[n - 1]));
}

TEST(History, DetectsALevelShiftInTheLastDayButNotAWeekend) {
  const std::size_t day = 48;
  auto steady = SineSeries(14 * day, day, 100, 0, 30, 2, 8);
  EXPECT_FALSE(DetectRecentLevelShift(steady, day).detected);
  auto shifted = steady;
  for (std::size_t t = 13 * day; t < 14 * day; ++t) shifted[t] *= 3;
  const LevelShift shift = DetectRecentLevelShift(shifted, day);
  EXPECT_TRUE(shift.detected);
  EXPECT_NEAR(shift.reference_level, 100, 5);
  // Weekends at a third of weekday load; the series ends on a Sunday.
  auto weekly = steady;
  for (std::size_t t = 0; t < weekly.size(); ++t) {
    if ((t / day) % 7 >= 5) weekly[t] /= 3;
  }
  EXPECT_FALSE(DetectRecentLevelShift(weekly, day).detected);
}

}  // namespace
}  // namespace gov::predictors
