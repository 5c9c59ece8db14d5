// The per-event aggregation rules, each pinned with hand-computed states and deltas.
#include "experiments/unit_aggregation.h"

#include <gtest/gtest.h>

namespace gov::experiments {
namespace {

constexpr int64_t kDay = kMillisPerDay;
constexpr int64_t kT0 = 100 * kDay;  // day 100, 00:00 UTC

MetricDefinition Proportion(std::string name, std::string event,
                            std::optional<int64_t> window_seconds = std::nullopt) {
  MetricDefinition m;
  m.name = std::move(name);
  m.type = MetricType::kProportion;
  m.numerator = {std::move(event), Aggregation::kCount};
  m.conversion_window_seconds = window_seconds;
  return m;
}

MetricDefinition Mean(std::string name, std::string event, Aggregation aggregation) {
  MetricDefinition m;
  m.name = std::move(name);
  m.type = MetricType::kMean;
  m.numerator = {std::move(event), aggregation};
  return m;
}

MetricDefinition Ratio(std::string name, std::string num, std::string den) {
  MetricDefinition m;
  m.name = std::move(name);
  m.type = MetricType::kRatio;
  m.numerator = {std::move(num), Aggregation::kSum};
  m.denominator = EventAggregate{std::move(den), Aggregation::kCount};
  return m;
}

AggregationPlan Plan() {
  AggregationPlan plan;
  plan.key = "exp";
  plan.environment = "production";
  plan.metrics = {Proportion("converted", "purchase", 3600),
                  Mean("revenue", "purchase", Aggregation::kSum),
                  Ratio("per_visit", "purchase", "visit")};
  return plan;
}

StoredEvent Exposure(int64_t seq, int64_t at, std::string variant, std::string exp = "exp") {
  StoredEvent e;
  e.seq = seq;
  e.type = EventType::kExposure;
  e.name = exp;
  e.unit = "u1";
  e.at_ms = at;
  e.experiment = std::move(exp);
  e.variant = std::move(variant);
  return e;
}

StoredEvent Track(int64_t seq, int64_t at, std::string name, std::optional<double> value) {
  StoredEvent e;
  e.seq = seq;
  e.type = EventType::kTrack;
  e.name = std::move(name);
  e.unit = "u1";
  e.at_ms = at;
  e.value = value;
  return e;
}

SufficientStats Unit(double v, double d = 0, double p = 0) {
  return Contribution(UnitMetricValue{v, d, p});
}

TEST(UnitAggregationTest, DayOfFloorsTowardMinusInfinity) {
  EXPECT_EQ(DayOf(0), 0);
  EXPECT_EQ(DayOf(kDay - 1), 0);
  EXPECT_EQ(DayOf(kDay), 1);
  EXPECT_EQ(DayOf(-1), -1);
  EXPECT_EQ(DayOf(-kDay), -1);
  EXPECT_EQ(DayOf(-kDay - 1), -2);
}

TEST(UnitAggregationTest, ContributionHoldsEverySufficientStatistic) {
  EXPECT_EQ(Unit(3, 2, 5), (SufficientStats{1, 3, 9, 2, 4, 6, 5, 25, 15}));
}

TEST(UnitAggregationTest, NewUnitAddsOneWithZeroValues) {
  const AggregationPlan plan = Plan();
  const StoredEvent e = Exposure(1, kT0 + 5, "treatment");
  ASSERT_TRUE(NeedsHistory(plan, std::nullopt, e));
  const UnitUpdate u = ApplyEvent(plan, std::nullopt, e, {});
  ASSERT_TRUE(u.state.has_value());
  EXPECT_TRUE(u.state_changed);
  EXPECT_EQ(u.exposures, 1);
  EXPECT_EQ(u.state->variant, "treatment");
  EXPECT_EQ(u.state->first_exposure_ms, kT0 + 5);
  EXPECT_EQ(u.state->values, std::vector<UnitMetricValue>(3));
  ASSERT_EQ(u.deltas.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(u.deltas[i], (StatsDelta{"treatment", i, 100, Unit(0)}));
  }
}

TEST(UnitAggregationTest, ExposureReplaysEventsThatArrivedBeforeIt) {
  const AggregationPlan plan = Plan();
  // Sent after the exposure but stored before it (seq 1, 2 < 3); one before the exposure.
  const std::vector<StoredEvent> history = {Track(1, kT0 + 10, "purchase", 20.0),
                                            Track(2, kT0 + 20, "visit", std::nullopt),
                                            Track(0, kT0 - 10, "purchase", 7.0)};
  const UnitUpdate u = ApplyEvent(plan, std::nullopt, Exposure(3, kT0, "control"), history);
  ASSERT_TRUE(u.state);
  EXPECT_EQ(u.state->values[0], (UnitMetricValue{1, 0, 0}));
  EXPECT_EQ(u.state->values[1], (UnitMetricValue{20, 0, 0}));
  EXPECT_EQ(u.state->values[2], (UnitMetricValue{20, 1, 0}));
  EXPECT_EQ(u.deltas[1], (StatsDelta{"control", 1, 100, Unit(20)}));
  EXPECT_EQ(u.deltas[2], (StatsDelta{"control", 2, 100, Unit(20, 1)}));
}

TEST(UnitAggregationTest, PreExposureEventsCountOnlyAsCovariateWithinTheLookback) {
  AggregationPlan plan = Plan();
  plan.cuped_lookback_ms = 2 * kDay;
  const std::vector<StoredEvent> history = {
      Track(1, kT0 - 3 * kDay, "purchase", 100.0),  // before the lookback: ignored
      Track(2, kT0 - kDay, "purchase", 5.0),        // in the lookback
      Track(3, kT0 - 1, "purchase", 6.0)};          // in the lookback
  const UnitUpdate u = ApplyEvent(plan, std::nullopt, Exposure(4, kT0, "control"), history);
  ASSERT_TRUE(u.state);
  EXPECT_EQ(u.state->values[0], (UnitMetricValue{0, 0, 1}));   // converted before: covariate 1
  EXPECT_EQ(u.state->values[1], (UnitMetricValue{0, 0, 11}));  // 5 + 6
  EXPECT_EQ(u.state->values[2], (UnitMetricValue{0, 0, 0}));   // ratio: no covariate
  EXPECT_EQ(u.deltas[1].delta, Unit(0, 0, 11));
  // A late pre-exposure event of an exposed unit updates the covariate only.
  const UnitUpdate late = ApplyEvent(plan, u.state, Track(5, kT0 - 2, "purchase", 4.0), {});
  EXPECT_EQ(late.state->values[1], (UnitMetricValue{0, 0, 15}));
  ASSERT_EQ(late.deltas.size(), 1u);  // the proportion covariate was already 1
  SufficientStats expected;
  expected.pre_sum = 4;
  expected.pre_sum_squares = 15 * 15 - 11 * 11;
  EXPECT_EQ(late.deltas[0], (StatsDelta{"control", 1, 100, expected}));
}

TEST(UnitAggregationTest, WithoutCupedPreExposureEventsDoNotCount) {
  const AggregationPlan plan = Plan();
  const UnitUpdate u = ApplyEvent(plan, std::nullopt, Exposure(2, kT0, "control"),
                                  std::vector<StoredEvent>{Track(1, kT0 - 1, "purchase", 5.0)});
  EXPECT_EQ(u.state->values, std::vector<UnitMetricValue>(3));
  const UnitUpdate late = ApplyEvent(plan, u.state, Track(3, kT0 - 5, "purchase", 1.0), {});
  EXPECT_FALSE(late.state_changed);
  EXPECT_TRUE(late.deltas.empty());
}

TEST(UnitAggregationTest, TrackEventsChangeSumsBySquaresDifference) {
  const AggregationPlan plan = Plan();
  UnitState s{"treatment", kT0, false, std::vector<UnitMetricValue>(3)};
  s.values[1].value = 3;
  s.values[2] = {3, 2, 0};
  s.values[0].value = 1;
  // The next day: revenue 3 -> 7, ratio numerator 3 -> 7; the proportion window is over.
  const UnitUpdate u = ApplyEvent(plan, s, Track(9, kT0 + kDay + 5, "purchase", 4.0), {});
  ASSERT_TRUE(u.state_changed);
  ASSERT_EQ(u.deltas.size(), 2u);
  SufficientStats mean;
  mean.sum = 4;
  mean.sum_squares = 49 - 9;
  EXPECT_EQ(u.deltas[0], (StatsDelta{"treatment", 1, 101, mean}));
  SufficientStats ratio;
  ratio.sum = 4;
  ratio.sum_squares = 40;
  ratio.cross_sum = 7 * 2 - 3 * 2;
  EXPECT_EQ(u.deltas[1], (StatsDelta{"treatment", 2, 101, ratio}));
  // A count aggregation adds 1 whatever the value; the ratio's denominator counts visits.
  const UnitUpdate visit = ApplyEvent(plan, *u.state, Track(10, kT0 + 7, "visit", 50.0), {});
  ASSERT_EQ(visit.deltas.size(), 1u);
  SufficientStats den;
  den.den_sum = 1;
  den.den_sum_squares = 9 - 4;
  den.cross_sum = 7 * 3 - 7 * 2;
  EXPECT_EQ(visit.deltas[0], (StatsDelta{"treatment", 2, 100, den}));
}

TEST(UnitAggregationTest, ProportionCountsOnceWithinTheConversionWindow) {
  const AggregationPlan plan = Plan();
  UnitState s{"control", kT0, false, std::vector<UnitMetricValue>(3)};
  const UnitUpdate first = ApplyEvent(plan, s, Track(2, kT0 + 1000, "purchase", 0.0), {});
  EXPECT_EQ(first.state->values[0].value, 1);
  EXPECT_EQ(first.deltas[0], (StatsDelta{"control", 0, 100, SufficientStats{0, 1, 1}}));
  const UnitUpdate again =
      ApplyEvent(plan, *first.state, Track(3, kT0 + 2000, "purchase", 0.0), {});
  EXPECT_EQ(again.state->values[0].value, 1);
  for (const StatsDelta& d : again.deltas) EXPECT_NE(d.metric, 0u);
  // At exactly first exposure + window the event no longer counts.
  UnitState fresh{"control", kT0, false, std::vector<UnitMetricValue>(3)};
  const UnitUpdate late = ApplyEvent(plan, fresh, Track(4, kT0 + 3600 * 1000, "purchase", 0.0), {});
  EXPECT_EQ(late.state->values[0].value, 0);
}

TEST(UnitAggregationTest, EventsAfterTheExperimentStoppedDoNotCount) {
  AggregationPlan plan = Plan();
  plan.stopped_at_ms = kT0 + 100;
  UnitState s{"control", kT0, false, std::vector<UnitMetricValue>(3)};
  EXPECT_TRUE(ApplyEvent(plan, s, Track(2, kT0 + 100, "purchase", 3.0), {}).deltas.empty());
  EXPECT_EQ(ApplyEvent(plan, s, Track(2, kT0 + 99, "purchase", 3.0), {}).deltas.size(), 3u);
  const UnitUpdate exposure = ApplyEvent(plan, std::nullopt, Exposure(3, kT0 + 100, "c"), {});
  EXPECT_FALSE(exposure.state);
  EXPECT_EQ(exposure.exposures, 0);
}

TEST(UnitAggregationTest, TrackEventsOfUnknownUnitsOrUnusedNamesChangeNothing) {
  const AggregationPlan plan = Plan();
  EXPECT_FALSE(ApplyEvent(plan, std::nullopt, Track(1, kT0, "purchase", 1.0), {}).state);
  UnitState s{"control", kT0, false, std::vector<UnitMetricValue>(3)};
  const UnitUpdate u = ApplyEvent(plan, s, Track(1, kT0, "signup", 1.0), {});
  EXPECT_FALSE(u.state_changed);
  EXPECT_TRUE(u.deltas.empty());
  const UnitUpdate other = ApplyEvent(plan, s, Exposure(2, kT0 - 5, "treatment", "other"), {});
  EXPECT_FALSE(other.state_changed);
  EXPECT_EQ(other.exposures, 0);
}

TEST(UnitAggregationTest, SecondVariantExcludesTheUnitAndWithdrawsItsContribution) {
  const AggregationPlan plan = Plan();
  UnitState s{"control", kT0, false, {{1, 0, 0}, {12, 0, 0}, {12, 3, 0}}};
  const StoredEvent second = Exposure(5, kT0 + 2 * kDay, "treatment");
  EXPECT_FALSE(NeedsHistory(plan, s, second));
  const UnitUpdate u = ApplyEvent(plan, s, second, {});
  ASSERT_TRUE(u.state);
  EXPECT_TRUE(u.state->excluded);
  EXPECT_EQ(u.newly_excluded, 1);
  EXPECT_EQ(u.exposures, 1);
  ASSERT_EQ(u.deltas.size(), 3u);
  SufficientStats minus;
  minus -= Unit(12, 3);
  EXPECT_EQ(u.deltas[2], (StatsDelta{"control", 2, 102, minus}));
  // Excluded units never count again: not on a third exposure, not on a track event.
  const UnitUpdate again = ApplyEvent(plan, *u.state, Exposure(6, kT0, "control"), {});
  EXPECT_EQ(again.newly_excluded, 0);
  EXPECT_TRUE(again.deltas.empty());
  EXPECT_TRUE(ApplyEvent(plan, *u.state, Track(7, kT0 + 9, "purchase", 1.0), {}).deltas.empty());
}

TEST(UnitAggregationTest, RepeatedExposureToTheSameVariantOnlyCounts) {
  const AggregationPlan plan = Plan();
  UnitState s{"control", kT0, false, std::vector<UnitMetricValue>(3)};
  const StoredEvent later = Exposure(5, kT0 + 10, "control");
  EXPECT_FALSE(NeedsHistory(plan, s, later));
  const UnitUpdate u = ApplyEvent(plan, s, later, {});
  EXPECT_FALSE(u.state_changed);
  EXPECT_TRUE(u.deltas.empty());
  EXPECT_EQ(u.exposures, 1);
}

TEST(UnitAggregationTest, EarlierExposureMovesTheWindowsAndRecomputes) {
  AggregationPlan plan = Plan();
  plan.metrics[0].conversion_window_seconds = 60;
  // Exposed at kT0 + 120 s; a purchase at kT0 + 90 s was outside every window.
  UnitState s{"control", kT0 + 120'000, false, std::vector<UnitMetricValue>(3)};
  const StoredEvent earlier = Exposure(9, kT0 + 60'000, "control");
  ASSERT_TRUE(NeedsHistory(plan, s, earlier));
  const std::vector<StoredEvent> history = {Track(3, kT0 + 90'000, "purchase", 8.0),
                                            Track(4, kT0 + 200'000, "purchase", 2.0)};
  s.values[1].value = 2;  // the purchase after the old exposure
  s.values[2].value = 2;
  const UnitUpdate u = ApplyEvent(plan, s, earlier, history);
  ASSERT_TRUE(u.state_changed);
  EXPECT_EQ(u.state->first_exposure_ms, kT0 + 60'000);
  EXPECT_EQ(u.state->values[0], (UnitMetricValue{1, 0, 0}));  // 90 s is within 60 s + 60 s
  EXPECT_EQ(u.state->values[1], (UnitMetricValue{10, 0, 0}));
  EXPECT_EQ(u.state->values[2], (UnitMetricValue{10, 0, 0}));
  ASSERT_EQ(u.deltas.size(), 3u);
  EXPECT_EQ(u.deltas[0], (StatsDelta{"control", 0, 100, SufficientStats{0, 1, 1}}));
  EXPECT_EQ(u.deltas[1], (StatsDelta{"control", 1, 100, SufficientStats{0, 8, 96}}));
}

}  // namespace
}  // namespace gov::experiments
