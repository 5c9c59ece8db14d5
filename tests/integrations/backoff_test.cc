// Full-jitter backoff: the ceilings double up to the cap, and a unit draw scales the ceiling.

#include "integrations/backoff.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace gov::integrations {
namespace {

TEST(FullJitterBackoffTest, CeilingDoublesUpToTheCap) {
  // Brooker 2015: sleep = random_between(0, min(cap, base * 2^attempt)).
  FullJitterBackoff b(std::chrono::milliseconds(500), std::chrono::seconds(8), 1);
  const std::vector<std::pair<int, core::Duration>> rows = {
      {0, std::chrono::milliseconds(500)}, {1, std::chrono::seconds(1)},
      {2, std::chrono::seconds(2)},        {4, std::chrono::seconds(8)},
      {5, std::chrono::seconds(8)},        {62, std::chrono::seconds(8)},
  };
  for (const auto& [attempt, ceiling] : rows) EXPECT_EQ(b.Ceiling(attempt), ceiling) << attempt;
  EXPECT_EQ(b.DelayAt(1, 0.25), std::chrono::milliseconds(250));
  EXPECT_EQ(b.DelayAt(3, 0.5), std::chrono::seconds(2));
  EXPECT_EQ(b.DelayAt(0, 0.0), core::Duration(0));
}

TEST(FullJitterBackoffTest, SameSeedSameDelays) {
  FullJitterBackoff a(std::chrono::milliseconds(500), std::chrono::seconds(8), 7);
  FullJitterBackoff b(std::chrono::milliseconds(500), std::chrono::seconds(8), 7);
  for (int i = 0; i < 6; ++i) {
    const core::Duration d = a.Next(i);
    EXPECT_EQ(d, b.Next(i)) << i;
    EXPECT_GE(d, core::Duration(0)) << i;
    EXPECT_LT(d, a.Ceiling(i)) << i;
  }
}

}  // namespace
}  // namespace gov::integrations
