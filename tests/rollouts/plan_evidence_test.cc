// The plan evidence suite (plan_evidence_suite.h) on SQLite, and the window key.
#include "tests/rollouts/plan_evidence_suite.h"

namespace gov::rollouts {

TEST(PlanExposureKeyTest, IsPlanAndUnixMilliseconds) {
  EXPECT_EQ(PlanExposureKey("p1", core::FromUnixMillis(1'795'631'488'123)),
            "release-plan:p1@1795631488123");
  EXPECT_EQ(PlanExposureKey("a.b-c", core::FromUnixMillis(0)), "release-plan:a.b-c@0");
}

INSTANTIATE_TEST_SUITE_P(Sqlite, RolloutsPlanEvidenceTest,
                         ::testing::Values(store::testing::SqliteFactory()));

}  // namespace gov::rollouts
