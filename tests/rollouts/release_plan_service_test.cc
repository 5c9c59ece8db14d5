// The release-plan service suite (release_plan_service_suite.h) on SQLite.
#include "tests/rollouts/release_plan_service_suite.h"

namespace gov::rollouts {

INSTANTIATE_TEST_SUITE_P(Sqlite, RolloutsReleasePlanServiceTest,
                         ::testing::Values(store::testing::SqliteFactory()));

}  // namespace gov::rollouts
