// Automatic model choice, prediction intervals and the explicit fallbacks to reactive scaling.

#include "predictors/predict.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>
#include <vector>

#include "tests/predictors/test_series.h"

namespace gov::predictors {
namespace {

using std::chrono::seconds;
using testing::MakeSeries;
using testing::SineSeries;

constexpr std::size_t kDay5m = 288;  // 5-minute steps per day

TEST(Predict, DailySineWithTrendBeatsSeasonalNaiveAndCoversItsBands) {
  // 14 days to learn from and 2 more to check the 48-hour forecast against.
  const std::size_t n = 14 * kDay5m, horizon = 2 * kDay5m;
  const auto all = SineSeries(n + horizon, kDay5m, 200, 0.01, 50, 8, 42);
  const Series series = MakeSeries({all.begin(), all.begin() + n}, seconds(300));
  PredictOptions options;
  options.horizon_steps = horizon;
  auto prediction = Predict(series, options);
  ASSERT_TRUE(prediction.ok()) << prediction.status().ToString();
  ASSERT_FALSE(prediction->FallBackToReactive()) << prediction->reason;
  EXPECT_NE(prediction->model.kind, ModelKind::kSeasonalNaive);
  EXPECT_LT(prediction->accuracy.mase, prediction->seasonal_naive_mase);
  EXPECT_FALSE(prediction->parameters.empty());
  EXPECT_FALSE(prediction->reason.empty());
  // Seasonal naive daily and weekly, 4 daily Holt-Winters (weekly needs 2 weeks before the
  // backtest window), Fourier.
  EXPECT_EQ(prediction->candidates.size(), 7u);

  const Forecast& f = prediction->forecast;
  ASSERT_EQ(f.point.size(), horizon);
  EXPECT_EQ(f.start, series.TimeAt(n));
  const auto* p10 = f.Band(0.1);
  const auto* p50 = f.Band(0.5);
  const auto* p90 = f.Band(0.9);
  ASSERT_TRUE(p10 && p50 && p90);
  const auto truth = SineSeries(n + horizon, kDay5m, 200, 0.01, 50, 0);
  double abs_error = 0;
  std::size_t below_p90 = 0, inside = 0;
  for (std::size_t h = 0; h < horizon; ++h) {
    abs_error += std::abs(f.point[h] - truth[n + h]);
    EXPECT_LE((*p10)[h], (*p50)[h]);
    EXPECT_LE((*p50)[h], (*p90)[h]);
    const double actual = all[n + h];
    below_p90 += actual <= (*p90)[h] ? 1 : 0;
    inside += actual >= (*p10)[h] && actual <= (*p90)[h] ? 1 : 0;
  }
  EXPECT_LT(abs_error / horizon, 4.0);  // the noise alone is 8
  // Nominal 90% and 80%; one path of 576 autocorrelated errors, so loose bounds.
  const double share_below = static_cast<double>(below_p90) / horizon;
  const double share_inside = static_cast<double>(inside) / horizon;
  EXPECT_GT(share_below, 0.8);
  EXPECT_LT(share_below, 0.98);
  EXPECT_GT(share_inside, 0.65);
  EXPECT_LT(share_inside, 0.92);
}

TEST(Predict, IntervalsCoverTheNominalShareAcrossSeeds) {
  // Pooled over 4 series and 6 origins each so the shares are not one path's luck.
  const std::size_t n = 8 * kDay5m, horizon = 12;
  std::size_t below_p90 = 0, below_p10 = 0, total = 0;
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    const auto all = SineSeries(n + 12 * horizon, kDay5m, 300, 0, 60, 10, seed);
    // Six origins two hours apart, each forecasting the next hour.
    for (std::size_t k = 0; k < 6; ++k) {
      const std::size_t end = n + 2 * k * horizon;
      const Series series = MakeSeries({all.begin(), all.begin() + end}, seconds(300));
      PredictOptions options;
      options.horizon_steps = horizon;
      auto prediction = Predict(series, options);
      ASSERT_TRUE(prediction.ok());
      ASSERT_FALSE(prediction->FallBackToReactive()) << prediction->reason;
      for (std::size_t h = 0; h < horizon; ++h) {
        below_p90 += all[end + h] <= (*prediction->forecast.Band(0.9))[h] ? 1 : 0;
        below_p10 += all[end + h] <= (*prediction->forecast.Band(0.1))[h] ? 1 : 0;
        ++total;
      }
    }
  }
  EXPECT_NEAR(static_cast<double>(below_p90) / total, 0.9, 0.05);
  EXPECT_NEAR(static_cast<double>(below_p10) / total, 0.1, 0.05);
}

TEST(Predict, ShortHistoryFallsBackAndSaysHowMuchIsNeeded) {
  const Series series = MakeSeries(SineSeries(2 * kDay5m, kDay5m, 100, 0, 20, 1), seconds(300));
  auto prediction = Predict(series, {});
  ASSERT_TRUE(prediction.ok());
  EXPECT_EQ(prediction->fallback, FallbackReason::kTooShort);
  EXPECT_EQ(FallbackReasonName(prediction->fallback), "tooShort");
  EXPECT_NE(prediction->reason.find("2.0 days"), std::string::npos) << prediction->reason;
  EXPECT_TRUE(prediction->forecast.point.empty());
}

TEST(Predict, GappyHistoryFallsBack) {
  auto y = SineSeries(7 * kDay5m, kDay5m, 100, 0, 20, 1);
  std::mt19937 rng(1);
  auto sparse = y;
  for (double& v : sparse) {
    if (rng() % 10 < 4) v = std::nan("");  // 40% missing
  }
  auto prediction = Predict(MakeSeries(sparse, seconds(300)), {});
  ASSERT_TRUE(prediction.ok());
  EXPECT_EQ(prediction->fallback, FallbackReason::kTooGappy);
  // Complete but for most of the last day.
  auto recent = y;
  for (std::size_t t = y.size() - 200; t < y.size(); ++t) recent[t] = std::nan("");
  prediction = Predict(MakeSeries(recent, seconds(300)), {});
  ASSERT_TRUE(prediction.ok());
  EXPECT_EQ(prediction->fallback, FallbackReason::kTooGappy);
  EXPECT_NE(prediction->reason.find("last day"), std::string::npos) << prediction->reason;
  // 10% missing at random is handled, not refused.
  auto some = y;
  for (double& v : some) {
    if (rng() % 10 == 0) v = std::nan("");
  }
  prediction = Predict(MakeSeries(some, seconds(300)), {});
  ASSERT_TRUE(prediction.ok());
  EXPECT_FALSE(prediction->FallBackToReactive()) << prediction->reason;
}

TEST(Predict, RegimeShiftInTheLastDayFallsBack) {
  auto y = SineSeries(10 * kDay5m, kDay5m, 100, 0, 20, 2);
  for (std::size_t t = 9 * kDay5m; t < y.size(); ++t) y[t] += 250;
  auto prediction = Predict(MakeSeries(y, seconds(300)), {});
  ASSERT_TRUE(prediction.ok());
  EXPECT_EQ(prediction->fallback, FallbackReason::kRegimeShift) << prediction->reason;
}

TEST(Predict, RandomWalkLeansOnReactive) {
  // Nothing forecasts a random walk better than its current value, which reactive scaling
  // already uses.
  std::mt19937 rng(17);
  std::normal_distribution<double> step(0, 1);
  std::vector<double> y(10 * kDay5m);
  double v = 1000;
  for (double& x : y) x = v += step(rng);
  auto prediction = Predict(MakeSeries(y, seconds(300)), {});
  ASSERT_TRUE(prediction.ok());
  EXPECT_TRUE(prediction->FallBackToReactive());
  EXPECT_EQ(prediction->fallback, FallbackReason::kNotBetterThanPersistence) << prediction->reason;
}

TEST(Predict, SpikesAreRemovedBeforeFitting) {
  auto y = SineSeries(10 * kDay5m, kDay5m, 100, 0, 20, 2);
  auto truth = SineSeries(10 * kDay5m + 12, kDay5m, 100, 0, 20, 0);
  // Six spikes, each with two earlier days to compare against.
  for (std::size_t t = 600; t < y.size(); t += 401) y[t] += 1000;
  auto prediction = Predict(MakeSeries(y, seconds(300)), {});
  ASSERT_TRUE(prediction.ok());
  ASSERT_FALSE(prediction->FallBackToReactive()) << prediction->reason;
  EXPECT_GE(prediction->outliers_removed, 6u);
  for (std::size_t h = 0; h < 12; ++h) {
    EXPECT_NEAR(prediction->forecast.point[h], truth[y.size() + h], 8.0) << h;
  }
}

TEST(Predict, RequestedModelIsUsedAndReported) {
  const Series series = MakeSeries(SineSeries(8 * kDay5m, kDay5m, 100, 0, 20, 2), seconds(300));
  for (ModelKind kind : {ModelKind::kFourier, ModelKind::kHoltWinters, ModelKind::kSeasonalNaive}) {
    PredictOptions options;
    options.model = kind;
    auto prediction = Predict(series, options);
    ASSERT_TRUE(prediction.ok());
    ASSERT_FALSE(prediction->FallBackToReactive()) << prediction->reason;
    EXPECT_EQ(prediction->model.kind, kind);
    EXPECT_EQ(prediction->reason.rfind("requested: ", 0), 0u) << prediction->reason;
  }
}

TEST(Predict, StepTooLongForADailySeason) {
  auto prediction = Predict(MakeSeries(std::vector<double>(100, 1.0), seconds(86400)), {});
  ASSERT_TRUE(prediction.ok());
  EXPECT_EQ(prediction->fallback, FallbackReason::kNoDailySeason);
}

TEST(Predict, InvalidInputNamesTheField) {
  const Series series = MakeSeries(std::vector<double>(10, 1.0), seconds(300));
  PredictOptions options;
  options.horizon_steps = 0;
  EXPECT_EQ(Predict(series, options).status().field(), "horizonSteps");
  options = {};
  options.quantiles = {0.5, 1.0};
  EXPECT_EQ(Predict(series, options).status().field(), "quantiles[1]");
  options.quantiles = {0.9, 0.1};
  EXPECT_EQ(Predict(series, options).status().field(), "quantiles[1]");
  EXPECT_EQ(Predict(MakeSeries({}, seconds(300)), {}).status().field(), "series.values");
  EXPECT_EQ(Predict(MakeSeries({1.0}, seconds(0)), {}).status().field(), "series.step");
}

TEST(FallbackReason, NamesAreDistinct) {
  std::set<std::string_view> names;
  for (int r = 0; r <= static_cast<int>(FallbackReason::kFitFailed); ++r) {
    names.insert(FallbackReasonName(static_cast<FallbackReason>(r)));
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(FallbackReason::kFitFailed) + 1);
  EXPECT_EQ(names.count("unknown"), 0u);
}

}  // namespace
}  // namespace gov::predictors
