// The release-plan service suite (release_plan_service_suite.h) on PostgreSQL.
#include "tests/rollouts/release_plan_service_suite.h"

namespace gov::rollouts {

INSTANTIATE_TEST_SUITE_P(Postgres, RolloutsReleasePlanServiceTest,
                         ::testing::Values(store::testing::PostgresFactory()));

}  // namespace gov::rollouts
