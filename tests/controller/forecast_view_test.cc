// The forecast view: what GET /api/v1/targets/{name}/forecast returns, built from a history.

#include "controller/forecast_view.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace gov::controller {
namespace {

using std::chrono::seconds;

// 14 days at 5-minute steps of a daily cycle (1500 ± 1000) with normal noise (sd 50, seed 11).
predictors::Series DailyCycle() {
  predictors::Series s;
  s.start = core::FromUnixSeconds(1'700'006'400);
  s.step = seconds(300);
  std::mt19937 rng(11);
  std::normal_distribution<double> noise(0, 50);
  for (int i = 0; i < 14 * 288; ++i) {
    s.values.push_back(1500 + 1000 * std::sin(2 * M_PI * (i % 288) / 288.0) + noise(rng));
  }
  return s;
}

TargetSpec Predictive(double quantile = 0.95) {
  TargetSpec spec;
  spec.name = "web";
  spec.metrics = {{"rps", MetricType::kValue, 500, {}}};
  spec.predictive = PredictiveSpec{};
  spec.predictive->metric = "rps";
  spec.predictive->horizon_seconds = 3600;
  spec.predictive->quantile = quantile;
  return spec;
}

TEST(ForecastViewTest, ADailyCycleIsForecastWithBandsAndAccuracy) {
  auto view = BuildForecastView(Predictive(), DailyCycle());
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  ASSERT_FALSE(view->prediction.FallBackToReactive()) << view->prediction.reason;
  core::Json j = ForecastViewToJson(*view);
  EXPECT_EQ(j["target"], "web");
  EXPECT_EQ(j["metric"], "rps");
  EXPECT_EQ(j["mode"], "forecastOnly");
  EXPECT_EQ(j["stepSeconds"], 300);
  EXPECT_EQ(j["history"]["steps"], 14 * 288);
  EXPECT_EQ(j["history"]["observed"], 14 * 288);
  EXPECT_EQ(j["history"]["start"], "2023-11-15T00:00:00.000Z");
  EXPECT_EQ(j["history"]["end"], "2023-11-28T23:55:00.000Z");
  EXPECT_EQ(j["fallback"], "none");
  EXPECT_TRUE(j["model"].is_string());
  EXPECT_FALSE(j["reason"].get<std::string>().empty());
  EXPECT_LT(j["accuracy"]["mase"].get<double>(), j["accuracy"]["seasonalNaiveMase"].get<double>());
  EXPECT_GT(j["accuracy"]["points"].get<int>(), 0);
  // One hour: 12 steps from the step after the history, at 0.1, 0.5, 0.9 and the target's 0.95.
  const core::Json& f = j["forecast"];
  EXPECT_EQ(f["start"], "2023-11-29T00:00:00.000Z");
  ASSERT_EQ(f["times"].size(), 12u);
  EXPECT_EQ(f["times"][11], "2023-11-29T00:55:00.000Z");
  ASSERT_EQ(f["point"].size(), 12u);
  ASSERT_EQ(f["bands"].size(), 4u);
  EXPECT_EQ(f["bands"][3]["quantile"], 0.95);
  for (size_t h = 0; h < 12; ++h) {
    const double truth = 1500 + 1000 * std::sin(2 * M_PI * static_cast<double>(h) / 288.0);
    EXPECT_NEAR(f["point"][h].get<double>(), truth, 150) << h;
    EXPECT_LE(f["bands"][0]["values"][h].get<double>(), f["bands"][2]["values"][h].get<double>());
  }
}

TEST(ForecastViewTest, WithoutHistoryTheFallbackSaysSo) {
  predictors::Series empty;
  empty.step = seconds(300);
  auto view = BuildForecastView(Predictive(), empty);
  ASSERT_TRUE(view.ok());
  core::Json j = ForecastViewToJson(*view);
  EXPECT_EQ(j["fallback"], "tooShort");
  EXPECT_NE(j["reason"].get<std::string>().find("no load history of metric rps"),
            std::string::npos);
  EXPECT_TRUE(j["forecast"].is_null());
  EXPECT_TRUE(j["accuracy"].is_null());
  EXPECT_TRUE(j["model"].is_null());
  EXPECT_TRUE(j["history"]["start"].is_null());
}

TEST(ForecastViewTest, ATargetWithoutAPredictiveBlockIsRefused) {
  TargetSpec spec = Predictive();
  spec.predictive.reset();
  auto view = BuildForecastView(spec, DailyCycle());
  EXPECT_EQ(view.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_NE(view.status().message().find("no predictive block"), std::string::npos);
}

}  // namespace
}  // namespace gov::controller
