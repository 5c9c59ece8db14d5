// The capacity report's arithmetic on a hand-computed week, and its bad input. The history
// repeats one day exactly (hourly steps, 1000 rps for 12 hours then 3000 rps), so seasonal
// naive forecasts it without error and its bands equal the point forecast: every number
// below follows from that day by hand.

#include "controller/capacity_report.h"

#include <gtest/gtest.h>

#include <cmath>

namespace gov::controller {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

constexpr int64_t kStart = 1'700'006'400;  // a UTC midnight

// 14 days at 1-hour steps: hours 0-11 of each day 1000, hours 12-23 3000.
predictors::Series StepDays() {
  predictors::Series s;
  s.start = core::FromUnixSeconds(kStart);
  s.step = seconds(3600);
  for (int h = 0; h < 14 * 24; ++h) s.values.push_back(h % 24 < 12 ? 1000 : 3000);
  return s;
}

// rps as a Value metric, 500 per replica, 1..10 replicas, seasonal naive.
TargetSpec Rps(int32_t max_replicas = 10) {
  TargetSpec spec;
  spec.name = "web";
  spec.min_replicas = 1;
  spec.max_replicas = max_replicas;
  spec.metrics = {{"rps", MetricType::kValue, 500, {}}};
  spec.predictive = PredictiveSpec{};
  spec.predictive->metric = "rps";
  spec.predictive->model = predictors::ModelKind::kSeasonalNaive;
  return spec;
}

TEST(CapacityReportTest, AHandComputedWeek) {
  CapacityOptions options;
  options.price_per_replica_hour = 0.05;
  auto r = BuildCapacityReport(Rps(), StepDays(), options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->prediction.fallback, predictors::FallbackReason::kNone) << r->prediction.reason;
  EXPECT_EQ(r->from, core::FromUnixSeconds(kStart + 14 * 86400));
  EXPECT_EQ(r->to, core::FromUnixSeconds(kStart + 21 * 86400));
  // Peak 3000 rps, first at noon of the first forecast day; 3000 / 500 = 6 replicas.
  EXPECT_DOUBLE_EQ(*r->peak_load, 3000);
  EXPECT_EQ(r->peak_at, core::FromUnixSeconds(kStart + 14 * 86400 + 12 * 3600));
  EXPECT_DOUBLE_EQ(*r->peak_load_at_quantile, 3000);
  EXPECT_EQ(r->replicas_at_peak, 6);
  EXPECT_EQ(r->replicas_at_peak_unbounded, 6);
  EXPECT_FALSE(r->exceeds_max_replicas);
  // A day: 12 h × 2 replicas + 12 h × 6 = 96 replica-hours; a week 672; at 0.05: 33.60.
  EXPECT_DOUBLE_EQ(*r->replica_hours, 672);
  EXPECT_DOUBLE_EQ(*r->cost, 33.6);
  // Requests a day: 12 × 3600 × 1000 + 12 × 3600 × 3000 = 172.8 M; a week 1209.6 M;
  // per replica-hour 1.8 M; per 1,000 requests 33.6 / 1,209,600.
  EXPECT_DOUBLE_EQ(*r->requests, 1'209'600'000);
  EXPECT_DOUBLE_EQ(*r->requests_per_replica_hour, 1'800'000);
  EXPECT_NEAR(*r->cost_per_1000_requests, 33.6 / 1'209'600, 1e-15);

  core::Json j = CapacityReportToJson(*r);
  EXPECT_EQ(j["model"], "seasonalNaive(daily)");
  EXPECT_EQ(j["fallback"], "none");
  EXPECT_EQ(j["peak"]["replicas"], 6);
  EXPECT_EQ(j["peak"]["at"], "2023-11-29T12:00:00.000Z");
  EXPECT_EQ(j["replicaHours"], 672.0);
  EXPECT_EQ(j["horizonSeconds"], 7 * 86400);
  EXPECT_TRUE(j["accuracy"].is_object());
}

TEST(CapacityReportTest, MaxReplicasCapsTheCountAndSaysSo) {
  auto r = BuildCapacityReport(Rps(/*max_replicas=*/5), StepDays());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->replicas_at_peak, 5);
  EXPECT_EQ(r->replicas_at_peak_unbounded, 6);
  EXPECT_TRUE(r->exceeds_max_replicas);
  EXPECT_DOUBLE_EQ(*r->replica_hours, 7 * (12 * 2 + 12 * 5));
  EXPECT_EQ(r->cost, std::nullopt);  // no price anywhere
  EXPECT_EQ(r->cost_per_1000_requests, std::nullopt);
}

TEST(CapacityReportTest, ThePriceComesFromTheOptionElseTheTarget) {
  TargetSpec spec = Rps();
  spec.predictive->price_per_replica_hour = 0.10;
  auto from_target = BuildCapacityReport(spec, StepDays());
  ASSERT_TRUE(from_target.ok());
  EXPECT_DOUBLE_EQ(*from_target->cost, 67.2);
  CapacityOptions options;
  options.price_per_replica_hour = 0.05;
  auto from_option = BuildCapacityReport(spec, StepDays(), options);
  ASSERT_TRUE(from_option.ok());
  EXPECT_DOUBLE_EQ(*from_option->cost, 33.6);
}

TEST(CapacityReportTest, WhenNoModelBeatsSeasonalNaiveTheReportPlansWithIt) {
  TargetSpec spec = Rps();
  spec.predictive->model.reset();  // auto: nothing beats an exactly repeating day
  auto r = BuildCapacityReport(spec, StepDays());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->prediction.fallback, predictors::FallbackReason::kNone);
  EXPECT_EQ(r->prediction.reason.rfind("seasonal naive, since no model beats", 0), 0u)
      << r->prediction.reason;
  EXPECT_DOUBLE_EQ(*r->replica_hours, 672);
}

TEST(CapacityReportTest, UtilizationIsNotARequestRate) {
  TargetSpec spec = Rps();
  spec.metrics[0].type = MetricType::kUtilization;
  auto r = BuildCapacityReport(spec, StepDays());
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(*r->replica_hours, 672);
  EXPECT_EQ(r->requests, std::nullopt);
  EXPECT_EQ(r->requests_per_replica_hour, std::nullopt);
}

TEST(CapacityReportTest, BadInputIsAnErrorOrAnExplainedFallback) {
  TargetSpec plain = Rps();
  plain.predictive.reset();
  auto no_block = BuildCapacityReport(plain, StepDays());
  EXPECT_EQ(no_block.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_NE(no_block.status().message().find("no predictive block"), std::string::npos);

  CapacityOptions negative;
  negative.price_per_replica_hour = -1;
  auto bad_price = BuildCapacityReport(Rps(), StepDays(), negative);
  EXPECT_EQ(bad_price.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad_price.status().field(), "pricePerReplicaHour");

  predictors::Series empty;
  empty.step = seconds(300);
  auto none = BuildCapacityReport(Rps(), empty);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->prediction.fallback, predictors::FallbackReason::kTooShort);
  EXPECT_EQ(none->peak_load, std::nullopt);
  core::Json j = CapacityReportToJson(*none);
  EXPECT_EQ(j["fallback"], "tooShort");
  EXPECT_TRUE(j["peak"].is_null());
  EXPECT_TRUE(j["accuracy"].is_null());

  predictors::Series two_days = StepDays();
  two_days.values.resize(48);
  auto short_history = BuildCapacityReport(Rps(), two_days);
  ASSERT_TRUE(short_history.ok());
  EXPECT_EQ(short_history->prediction.fallback, predictors::FallbackReason::kTooShort);
  EXPECT_FALSE(short_history->prediction.reason.empty());
  EXPECT_NE(CapacityReportText(*short_history).find("no forecast (tooShort)"), std::string::npos);
}

}  // namespace
}  // namespace gov::controller
