#include "controller/simulator.h"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "controller/trace.h"

namespace gov::controller {
namespace {

using std::chrono::seconds;

// One AverageValue metric at 10 per replica (utilization 100% of a 10-unit replica), no
// scale-down stabilization, start-up and sync of one minute, steps of one minute.
SimulationSetup HandSetup() {
  TargetSpec spec;
  spec.name = "api";
  spec.min_replicas = 1;
  spec.max_replicas = 10;
  spec.metrics = {{"rps", MetricType::kAverageValue, 10, {}}};
  spec.behavior.scale_down.stabilization_window_seconds = 0;
  spec.simulation = SimulationSpec{10, 60, 60, std::nullopt};
  core::StatusOr<SimulationSetup> setup = ResolveSimulation(spec);
  EXPECT_TRUE(setup.ok()) << setup.status().ToString();
  return *setup;
}

predictors::Series HandTrace() {
  return predictors::Series{
      core::TimePoint(seconds(1'700'000'000)), seconds(60), {10, 30, 30, 9, 10, 40}};
}

// Worked by hand:
//   t=0    load 10, 1 ready: reading 10 = target          -> keep 1
//   t=60   load 30, 1 ready: reading 30, ratio 3          -> 3 (2 ready at t=120); short
//   t=120  load 30, 3 ready: reading 10                   -> keep 3
//   t=180  load 9, 3 ready: reading 3, ratio 0.3          -> 1 (at once)
//   t=240  load 10, 1 ready                               -> keep 1
//   t=300  load 40, 1 ready: ratio 4                      -> 4 (ready at t=360); short
TEST(SimulatorTest, ReactiveReplaysTheHandComputedTrace) {
  core::StatusOr<SimulationResult> r =
      Simulate(HandSetup(), HandTrace(), SimPolicy::kReactive, std::nullopt, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->ready, (std::vector<int32_t>{1, 1, 3, 1, 1, 1}));
  EXPECT_EQ(r->requested, (std::vector<int32_t>{1, 3, 3, 1, 1, 4}));
  EXPECT_EQ(r->scaling_actions, 3);
  EXPECT_NEAR(r->under_provisioned_percent, 100.0 * 2 / 6, 1e-9);
  EXPECT_NEAR(r->replica_hours, 13 * 60 / 3600.0, 1e-12);
  EXPECT_DOUBLE_EQ(r->target_utilization, 1.0);
  // Demand ceil(load / 10) = 1 3 3 1 1 4 against supply 1 1 3 1 1 1.
  EXPECT_NEAR(r->theta_u, 100 * ((3.0 - 1) / 3 + (4.0 - 1) / 4) / 6, 1e-9);
  EXPECT_NEAR(r->tau_u, 100.0 * 2 / 6, 1e-9);
  EXPECT_DOUBLE_EQ(r->theta_o, 0);
  EXPECT_DOUBLE_EQ(r->tau_o, 0);
}

// The oracle asks at each sync for the peak of the load its new replicas will serve (one
// start-up later until one start-up after the next sync), and keeps ready replicas the load
// needs before then: 3 at t=0 (for the 30 at t=60), 1 at t=180, 4 at t=240.
TEST(SimulatorTest, OracleIsNeverShortWithTheSameStartUpDelay) {
  core::StatusOr<SimulationResult> r =
      Simulate(HandSetup(), HandTrace(), SimPolicy::kOracle, std::nullopt, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->ready, (std::vector<int32_t>{1, 3, 3, 1, 1, 4}));
  EXPECT_EQ(r->requested, (std::vector<int32_t>{3, 3, 3, 1, 4, 4}));
  EXPECT_EQ(r->scaling_actions, 3);
  EXPECT_DOUBLE_EQ(r->under_provisioned_percent, 0);
  EXPECT_NEAR(r->replica_hours, 18 * 60 / 3600.0, 1e-12);
}

TEST(SimulatorTest, ASweepTargetScalesTheMetricTarget) {
  // At utilization 0.5 the target is 5 per replica: t=0 reads 10 (ratio 2) -> 2 replicas.
  core::StatusOr<SimulationResult> r =
      Simulate(HandSetup(), HandTrace(), SimPolicy::kReactive, 0.5, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_DOUBLE_EQ(r->target_utilization, 0.5);
  EXPECT_EQ(r->requested[0], 2);
  EXPECT_EQ(r->ready[0], 1);
  EXPECT_EQ(MetricTargetFor(MetricType::kUtilization, 0.7, 10), 70);
  EXPECT_DOUBLE_EQ(MetricTargetFor(MetricType::kAverageValue, 0.5, 10), 5);
}

TEST(SimulatorTest, ReadingsAreWhatALiveTargetSees) {
  EXPECT_DOUBLE_EQ(*SimulatedReading(MetricType::kAverageValue, 30, 3, 10), 10);
  EXPECT_DOUBLE_EQ(*SimulatedReading(MetricType::kUtilization, 30, 4, 10), 75);
  EXPECT_DOUBLE_EQ(*SimulatedReading(MetricType::kValue, 30, 4, 10), 30);
  EXPECT_FALSE(SimulatedReading(MetricType::kAverageValue, 30, 0, 10).has_value());
}

TEST(SimulatorTest, ATargetWithoutCapacityIsRejectedNamingTheField) {
  TargetSpec spec;
  spec.name = "api";
  spec.metrics = {{"rps", MetricType::kAverageValue, 10, {}}};
  core::StatusOr<SimulationSetup> setup = ResolveSimulation(spec);
  ASSERT_FALSE(setup.ok());
  EXPECT_EQ(setup.status().field(), "simulation.capacityPerReplica");
}

TEST(SimulatorTest, ThePredictivePolicyNeedsForecasts) {
  core::StatusOr<SimulationResult> r =
      Simulate(HandSetup(), HandTrace(), SimPolicy::kPredictive, std::nullopt, nullptr);
  EXPECT_FALSE(r.ok());
}

TEST(SimulatorTest, PolicyNamesRoundTrip) {
  for (SimPolicy p : {SimPolicy::kReactive, SimPolicy::kPredictive, SimPolicy::kOracle}) {
    core::StatusOr<SimPolicy> parsed = ParseSimPolicy(SimPolicyName(p));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, p);
  }
  EXPECT_FALSE(ParseSimPolicy("magic").ok());
}

TEST(TraceTest, ParsesTheThreeTimestampFormsAndResamples) {
  core::StatusOr<Trace> t = ParseTraceCsv(
      "timestamp,value\n"
      "2014-04-10 00:00:00,1\n"
      "2014-04-10T00:05:00Z,2\r\n"
      "1397088600,3\n"
      "\n"
      "2014-04-10 00:20:00,5\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->points.size(), 4u);
  EXPECT_EQ(t->series.step, seconds(300));
  ASSERT_EQ(t->series.values.size(), 5u);
  EXPECT_EQ(t->series.values[2], 3);
  EXPECT_TRUE(std::isnan(t->series.values[3]));  // the missing 00:15 reading is a gap
  EXPECT_EQ(t->series.values[4], 5);
}

TEST(TraceTest, ErrorsNameTheLine) {
  core::StatusOr<Trace> bad = ParseTraceCsv("timestamp,value\n1,2\n2,3\n3,abc\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "trace");
  EXPECT_EQ(bad.status().message(), "line 4: value \"abc\" is not a number");
  core::StatusOr<Trace> time = ParseTraceCsv("timestamp,value\nyesterday,2\n");
  ASSERT_FALSE(time.ok());
  EXPECT_NE(time.status().message().find("line 2: timestamp \"yesterday\""), std::string::npos);
  EXPECT_FALSE(ParseTraceCsv("").ok());
  EXPECT_FALSE(ParseTraceCsv("timestamp,value\n").ok());
  core::StatusOr<Trace> header = ParseTraceCsv("time,load\n1,2\n");
  ASSERT_FALSE(header.ok());
  EXPECT_NE(header.status().message().find("line 1"), std::string::npos);
}

}  // namespace
}  // namespace gov::controller
