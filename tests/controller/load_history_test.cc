// The load history's pure parts: per-step means, merging stored samples, and the regular
// series the forecasts are fitted on. Expected values are computed by
// hand in each test.

#include "controller/load_history.h"

#include <gtest/gtest.h>

#include <cmath>

namespace gov::controller {
namespace {

using std::chrono::seconds;

core::TimePoint T(int64_t unix_seconds) { return core::FromUnixSeconds(unix_seconds); }
store::LoadSample S(int64_t unix_seconds, double value) { return {T(unix_seconds), value}; }

TEST(LoadHistoryTest, ReadingsInOneStepAverageAndAreKeyedToTheStepStart) {
  LoadHistory h(seconds(300));
  EXPECT_EQ(h.Add(T(1'000'000'215), 10), S(1'000'000'200, 10));
  EXPECT_EQ(h.Add(T(1'000'000'230), 20), S(1'000'000'200, 15));
  EXPECT_EQ(h.Add(T(1'000'000'499), 30), S(1'000'000'200, 20));
  EXPECT_EQ(h.Add(T(1'000'000'500), 7), S(1'000'000'500, 7));  // the next step
  EXPECT_EQ(h.Samples(),
            (std::vector<store::LoadSample>{S(1'000'000'200, 20), S(1'000'000'500, 7)}));
}

TEST(LoadHistoryTest, MergeFillsOnlyEmptyStepsAndReturnsWhatItAdded) {
  constexpr int64_t kB = 1'000'000'200;  // a step start (a multiple of 300)
  LoadHistory h(seconds(300));
  h.Add(T(kB), 5);
  // Two samples in one empty step average; the step already held keeps its value.
  auto added = h.Merge(std::vector<store::LoadSample>{S(kB + 10, 99), S(kB - 300, 2),
                                                      S(kB - 250, 4), S(kB - 595, 1)});
  EXPECT_EQ(added, (std::vector<store::LoadSample>{S(kB - 600, 1), S(kB - 300, 3)}));
  EXPECT_EQ(h.Samples(),
            (std::vector<store::LoadSample>{S(kB - 600, 1), S(kB - 300, 3), S(kB, 5)}));
  // A merged step counts as one reading: the next reading averages with it.
  EXPECT_EQ(h.Add(T(kB - 590), 3), S(kB - 600, 2));
}

TEST(LoadHistoryTest, PruneAndCountWorkOnWholeSteps) {
  LoadHistory h(seconds(60));
  for (int i = 0; i < 10; ++i) h.Add(T(6000 + 60 * i), i);
  EXPECT_EQ(h.CountBetween(T(6000), T(6600)), 10u);
  EXPECT_EQ(h.CountBetween(T(6060), T(6180)), 2u);
  h.PruneBefore(T(6130));  // the step starting at 6120 holds 6130: kept
  EXPECT_EQ(h.Samples().front(), S(6120, 2));
  EXPECT_EQ(h.Samples().size(), 8u);
}

TEST(LoadHistoryTest, ToSeriesEndsBeforeTheStepHoldingTheGivenTime) {
  LoadHistory h(seconds(300));
  EXPECT_TRUE(h.ToSeries(T(3000)).values.empty());
  EXPECT_EQ(h.Oldest(), std::nullopt);
  h.Add(T(610), 2);
  h.Add(T(1210), 8);
  h.Add(T(1510), 5);  // the step holding `to`: left out (still filling)
  predictors::Series s = h.ToSeries(T(1550));
  EXPECT_EQ(h.Oldest(), T(600));
  EXPECT_EQ(s.start, T(600));
  EXPECT_EQ(s.step, seconds(300));
  ASSERT_EQ(s.values.size(), 3u);  // 600, 900, 1200
  EXPECT_EQ(s.values[0], 2);
  EXPECT_TRUE(std::isnan(s.values[1]));
  EXPECT_EQ(s.values[2], 8);
  EXPECT_TRUE(h.ToSeries(T(700)).values.empty());
}

// Per-replica values become totals with the replica count of the latest observation at or
// before them, if it is recent enough; others are gaps.
TEST(LoadHistoryTest, TotalLoadFromReplicasMultipliesByTheLatestRecentObservation) {
  const std::vector<ReplicaObservation> seen = {{T(1000), 2}, {T(1015), 4}, {T(1100), 0}};
  const std::vector<store::LoadSample> per_replica = {
      S(990, 10),   // before any observation
      S(1000, 10),  // observed at that instant: 2
      S(1014, 10),  // still 2
      S(1030, 10),  // 4, 15 s old
      S(1061, 10),  // 4, but 46 s old
      S(1100, 10),  // 0 replicas: no total
      S(1015, std::nan("")),
  };
  EXPECT_EQ(TotalLoadFromReplicas(per_replica, seen, seconds(45)),
            (std::vector<store::LoadSample>{S(1000, 20), S(1014, 20), S(1030, 40)}));
  EXPECT_TRUE(TotalLoadFromReplicas(per_replica, {}, seconds(45)).empty());
}

}  // namespace
}  // namespace gov::controller
