// The release-plan repositories (release_plan_suite.h) on PostgreSQL.
#include "tests/store/release_plan_suite.h"

namespace gov::store::testing {

INSTANTIATE_TEST_SUITE_P(Postgres, ReleasePlanTest, ::testing::Values(PostgresFactory()));

}  // namespace gov::store::testing
