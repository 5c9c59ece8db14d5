// Automatic choice on slices of real traces (testdata/README.md): where load has a daily cycle
// (NYC taxi, an AWS load balancer) the chosen model beats seasonal naive; on bursty tweet
// volumes the forecast either falls back or still beats both baselines. Nothing here is tuned
// to these traces: they are the acceptance check of the general procedure.

#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include "predictors/predict.h"
#include "tests/predictors/test_series.h"

namespace gov::predictors {
namespace {

core::StatusOr<Prediction> PredictTrace(const std::string& file, std::chrono::seconds horizon) {
  const auto points = testing::ReadTrace(file);
  auto series = ResampleToRegular(points);
  if (!series.ok()) return series.status();
  PredictOptions options;
  options.horizon_steps = static_cast<std::size_t>(horizon / series->step);
  return Predict(*series, options);
}

void Describe(const std::string& file, const Prediction& p) {
  std::string table;
  for (const auto& c : p.candidates) {
    table += "  " + ModelSpecName(c.spec) + ": " +
             (c.fitted ? "MASE " + std::to_string(c.accuracy.mase) : "not fitted, " + c.error) +
             "\n";
  }
  std::cout << file << ": " << FallbackReasonName(p.fallback) << ", " << p.reason << "\n" << table;
}

TEST(Traces, TaxiAndLoadBalancerBeatSeasonalNaive) {
  for (const std::string file : {"nyc_taxi_6w.csv", "elb_request_count.csv"}) {
    SCOPED_TRACE(file);
    auto prediction = PredictTrace(file, std::chrono::hours(1));
    ASSERT_TRUE(prediction.ok()) << prediction.status().ToString();
    Describe(file, *prediction);
    ASSERT_FALSE(prediction->FallBackToReactive()) << prediction->reason;
    EXPECT_NE(prediction->model.kind, ModelKind::kSeasonalNaive);
    EXPECT_LT(prediction->accuracy.mase, prediction->seasonal_naive_mase);
    EXPECT_LT(prediction->accuracy.mase, prediction->persistence_mase);
    EXPECT_FALSE(prediction->forecast.point.empty());
  }
}

TEST(Traces, TweetsFallBackOrBeatBothBaselines) {
  auto prediction = PredictTrace("twitter_amzn_14d.csv", std::chrono::hours(1));
  ASSERT_TRUE(prediction.ok()) << prediction.status().ToString();
  Describe("twitter_amzn_14d.csv", *prediction);
  if (!prediction->FallBackToReactive()) {
    EXPECT_LT(prediction->accuracy.mase, 0.98 * prediction->seasonal_naive_mase);
    EXPECT_LT(prediction->accuracy.mase, prediction->persistence_mase);
  }
}

TEST(Traces, FortyEightHourForecastOnTheLoadBalancer) {
  auto prediction = PredictTrace("elb_request_count.csv", std::chrono::hours(48));
  ASSERT_TRUE(prediction.ok()) << prediction.status().ToString();
  Describe("elb_request_count.csv (48 h)", *prediction);
  if (prediction->FallBackToReactive()) return;
  ASSERT_EQ(prediction->forecast.point.size(), 576u);
  for (std::size_t h = 0; h < 576; ++h) {
    ASSERT_GE(prediction->forecast.point[h], 0.0);  // request counts are never negative
    ASSERT_LE((*prediction->forecast.Band(0.1))[h], (*prediction->forecast.Band(0.9))[h]);
  }
}

}  // namespace
}  // namespace gov::predictors
