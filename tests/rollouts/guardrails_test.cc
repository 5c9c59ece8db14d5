#include "rollouts/guardrails.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace gov::rollouts {
namespace {

using std::chrono::seconds;

// One observation fed to a tracker and what it must show afterwards.
struct Row {
  int at_seconds;
  std::optional<double> value;
  std::string error;
  GuardrailStatus status;
  std::optional<int> since_seconds;
  bool error_too_long = false;
};

void RunRows(const char* name, const PrometheusGuardrail& g, const std::vector<Row>& rows) {
  core::FakeClock clock;
  const core::TimePoint t0 = clock.Now();
  GuardrailState state{.name = "g"};
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    clock.Set(t0 + seconds(row.at_seconds));
    state = ObservePrometheus(g, state, {clock.Now(), row.value, row.error});
    SCOPED_TRACE(std::string(name) + " row " + std::to_string(i));
    EXPECT_EQ(state.status, row.status);
    if (row.since_seconds) {
      ASSERT_TRUE(state.since);
      EXPECT_EQ(*state.since, t0 + seconds(*row.since_seconds));
    }
    EXPECT_EQ(ErrorTooLong(g, state, clock.Now()), row.error_too_long);
    EXPECT_EQ(state.last_evaluated_at, clock.Now());
    EXPECT_EQ(NextEvaluationAt(g, state), clock.Now() + g.evaluation_interval);
  }
}

PrometheusGuardrail Above(double threshold, int for_seconds) {
  PrometheusGuardrail g;
  g.query = "q";
  g.comparison = Comparison::kAbove;
  g.threshold = threshold;
  g.for_duration = seconds(for_seconds);
  return g;
}

TEST(RolloutsPrometheusGuardrail, BreachedWhenTheValueStaysAboveForItsDuration) {
  // p99 latency above 1 s for 5 minutes, evaluated every 15 s.
  RunRows("above", Above(1.0, 300),
          {
              {0, 0.4, "", GuardrailStatus::kOk, 0},
              {15, 1.2, "", GuardrailStatus::kBreaching, 15},
              {30, 1.0, "", GuardrailStatus::kOk, 30},  // equal is not above: the run ends
              {45, 1.3, "", GuardrailStatus::kBreaching, 45},
              {300, 1.5, "", GuardrailStatus::kBreaching, 45},
              {344, 1.5, "", GuardrailStatus::kBreaching, 45},
              {345, 1.1, "", GuardrailStatus::kBreached, 45},  // 300 s after 45
              {360, 2.0, "", GuardrailStatus::kBreached, 45},
              {375, 0.9, "", GuardrailStatus::kOk, 375},
          });
}

TEST(RolloutsPrometheusGuardrail, BelowAndZeroDuration) {
  PrometheusGuardrail g = Above(100, 0);
  g.comparison = Comparison::kBelow;  // e.g. requests per second falling below 100
  RunRows("below", g,
          {
              {0, 150, "", GuardrailStatus::kOk, 0},
              {15, 99, "", GuardrailStatus::kBreached, 15},  // forSeconds 0: at once
              {30, 101, "", GuardrailStatus::kOk, 30},
          });
}

TEST(RolloutsPrometheusGuardrail, NanIsNoDataAndInfinityIsAValue) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  RunRows("nan", Above(0.05, 60),
          {
              {0, 0.2, "", GuardrailStatus::kBreaching, 0},
              {15, nan, "", GuardrailStatus::kOk, 15},
              {30, inf, "", GuardrailStatus::kBreaching, 30},
              {90, inf, "", GuardrailStatus::kBreached, 30},
              {105, std::nullopt, "", GuardrailStatus::kOk, 105},  // an empty result
          });
}

TEST(RolloutsPrometheusGuardrail, ErrorsAreRecordedNotBreachesAndPauseAfterTheirDuration) {
  RunRows("errors", Above(0.05, 120),
          {
              {0, 0.01, "", GuardrailStatus::kOk, 0},
              {15, std::nullopt, "timeout", GuardrailStatus::kError, 15},
              {30, std::nullopt, "timeout", GuardrailStatus::kError, 15},
              {45, 0.01, "", GuardrailStatus::kOk, 45},  // a value ends the run of errors
              {60, std::nullopt, "502", GuardrailStatus::kError, 60},
              {179, std::nullopt, "502", GuardrailStatus::kError, 60},
              {180, std::nullopt, "502", GuardrailStatus::kError, 60, true},
          });
}

TEST(RolloutsPrometheusGuardrail, AnErrorDoesNotEndARunBeyondTheThreshold) {
  RunRows("error inside a run", Above(0.05, 120),
          {
              {0, 0.1, "", GuardrailStatus::kBreaching, 0},
              {60, std::nullopt, "timeout", GuardrailStatus::kError, 60},
              {120, 0.2, "", GuardrailStatus::kBreached, 0},
          });
}

TEST(RolloutsPrometheusGuardrail, TheFirstEvaluationIsDueAtOnce) {
  const PrometheusGuardrail g = Above(1, 0);
  EXPECT_EQ(NextEvaluationAt(g, GuardrailState{}), core::TimePoint{});
}

// ---- Metric guardrails --------------------------------------------------------------------

experiments::SufficientStats Proportion(int64_t n, int64_t conversions) {
  experiments::SufficientStats s;
  s.n = n;
  s.sum = static_cast<double>(conversions);
  s.sum_squares = static_cast<double>(conversions);
  return s;
}

MetricSample Sample(experiments::Direction direction, experiments::SufficientStats exposed,
                    experiments::SufficientStats rest) {
  MetricSample s;
  s.metric.name = "purchase";
  s.metric.type = experiments::MetricType::kProportion;
  s.metric.direction = direction;
  s.exposed = exposed;
  s.rest = rest;
  return s;
}

TEST(RolloutsMetricGuardrail, BreachedWhenTheWholeConfidenceSequenceLiesBelowTheDrop) {
  const MetricGuardrail g{"purchase", 0.02};
  core::FakeClock clock;
  const auto higher = experiments::Direction::kHigherIsBetter;
  // 5% against 10%: a -50% relative effect, far beyond -2% with 10,000 units each.
  GuardrailState s = EvaluateMetric(
      g, {.name = "conversion"}, Sample(higher, Proportion(10'000, 500), Proportion(10'000, 1000)),
      clock.Now());
  EXPECT_EQ(s.status, GuardrailStatus::kBreached);
  EXPECT_NEAR(*s.value, -0.5, 1e-12);
  EXPECT_LT(*s.ci_high, -0.02);
  EXPECT_EQ(s.since, clock.Now());
  EXPECT_EQ(MetricThreshold(g, higher), -0.02);

  // The same rates on 100 units each: the estimate is beyond -2%, the sequence is not.
  s = EvaluateMetric(g, {.name = "conversion"},
                     Sample(higher, Proportion(100, 5), Proportion(100, 10)), clock.Now());
  EXPECT_EQ(s.status, GuardrailStatus::kBreaching);
  EXPECT_GT(*s.ci_high, -0.02);

  // No difference: ok.
  s = EvaluateMetric(g, {.name = "conversion"},
                     Sample(higher, Proportion(10'000, 1000), Proportion(10'000, 1000)),
                     clock.Now());
  EXPECT_EQ(s.status, GuardrailStatus::kOk);
  EXPECT_NEAR(*s.value, 0, 1e-12);
}

TEST(RolloutsMetricGuardrail, ALowerIsBetterMetricBreachesWhenItRises) {
  const MetricGuardrail g{"errors", 0.02};
  core::FakeClock clock;
  const auto lower = experiments::Direction::kLowerIsBetter;
  EXPECT_EQ(MetricThreshold(g, lower), 0.02);
  GuardrailState s = EvaluateMetric(
      g, {.name = "errors"}, Sample(lower, Proportion(10'000, 1500), Proportion(10'000, 1000)),
      clock.Now());
  EXPECT_EQ(s.status, GuardrailStatus::kBreached);
  EXPECT_GT(*s.ci_low, 0.02);
  // A fall is an improvement.
  s = EvaluateMetric(g, {.name = "errors"},
                     Sample(lower, Proportion(10'000, 500), Proportion(10'000, 1000)), clock.Now());
  EXPECT_EQ(s.status, GuardrailStatus::kOk);
}

TEST(RolloutsMetricGuardrail, DegenerateStatisticsAreAnErrorWithItsReason) {
  const MetricGuardrail g{"purchase", 0.02};
  core::FakeClock clock;
  GuardrailState s = EvaluateMetric(
      g, {.name = "conversion"},
      Sample(experiments::Direction::kHigherIsBetter, Proportion(1, 0), Proportion(10, 1)),
      clock.Now());
  EXPECT_EQ(s.status, GuardrailStatus::kError);
  ASSERT_TRUE(s.error);
  EXPECT_FALSE(s.error->empty());
  EXPECT_FALSE(s.value);
  // Data arriving clears the error.
  clock.Advance(seconds(60));
  s = EvaluateMetric(g, s,
                     Sample(experiments::Direction::kHigherIsBetter, Proportion(10'000, 1000),
                            Proportion(10'000, 1000)),
                     clock.Now());
  EXPECT_EQ(s.status, GuardrailStatus::kOk);
  EXPECT_FALSE(s.error);
  EXPECT_EQ(s.since, clock.Now());
}

TEST(RolloutsMetricGuardrail, RatioMetric) {
  const MetricGuardrail g{"revenue_per_order", 0.05};
  MetricSample sample;
  sample.metric.name = "revenue_per_order";
  sample.metric.type = experiments::MetricType::kRatio;
  // Per unit: numerator revenue, denominator orders. Exposed units: 8 per order, rest: 10.
  auto ratio = [](int64_t n, double per_order) {
    experiments::SufficientStats s;
    s.n = n;
    // Half the units have 1 order, half 2; revenue per_order * orders with a little spread.
    s.den_sum = 1.5 * n;
    s.den_sum_squares = 2.5 * n;
    s.sum = per_order * s.den_sum;
    s.sum_squares = per_order * per_order * 2.6 * n;
    s.cross_sum = per_order * 2.5 * n;
    return s;
  };
  sample.exposed = ratio(20'000, 8);
  sample.rest = ratio(20'000, 10);
  core::FakeClock clock;
  GuardrailState s = EvaluateMetric(g, {.name = "rpo"}, sample, clock.Now());
  EXPECT_EQ(s.status, GuardrailStatus::kBreached) << s.error.value_or("");
  EXPECT_NEAR(*s.value, -0.2, 1e-9);
}

// ---- Sample-ratio mismatch ----------------------------------------------------------------

TEST(RolloutsSampleRatio, AgainstTheMilestonePercentage) {
  // 10%: 1,000 of 10,000 matches; 1,200 of 10,000 is χ² = 40 + 4.44 = 44.4 with one degree of
  // freedom, p = erfc(sqrt(44.4 / 2)) = 2.617e-11.
  std::optional<SampleRatioCheck> ok = CheckSampleRatio(10, {1'000, 9'000});
  ASSERT_TRUE(ok);
  EXPECT_FALSE(ok->mismatch);
  EXPECT_NEAR(ok->p_value, 1.0, 1e-12);
  std::optional<SampleRatioCheck> bad = CheckSampleRatio(10, {1'200, 8'800});
  ASSERT_TRUE(bad);
  EXPECT_TRUE(bad->mismatch);
  EXPECT_NEAR(bad->p_value, 2.6e-11, 0.1e-11);
  EXPECT_DOUBLE_EQ(bad->observed_share, 0.12);
  EXPECT_DOUBLE_EQ(bad->expected_share, 0.10);
}

TEST(RolloutsSampleRatio, DoesNotApplyAtTheEdgesOrWithFewUnits) {
  EXPECT_FALSE(CheckSampleRatio(0, {0, 1'000}));
  EXPECT_FALSE(CheckSampleRatio(100, {1'000, 0}));
  // 1%: fewer than 500 units means fewer than 5 expected exposures.
  EXPECT_FALSE(CheckSampleRatio(1, {1, 10}));
  EXPECT_FALSE(CheckSampleRatio(1, {3, 496}));
  EXPECT_TRUE(CheckSampleRatio(1, {5, 495}));
  EXPECT_FALSE(CheckSampleRatio(50, {-1, 100}));
}

}  // namespace
}  // namespace gov::rollouts
