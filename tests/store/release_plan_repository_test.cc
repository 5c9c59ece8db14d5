// The release-plan repositories (release_plan_suite.h) on SQLite.
#include "tests/store/release_plan_suite.h"

namespace gov::store::testing {

INSTANTIATE_TEST_SUITE_P(Sqlite, ReleasePlanTest, ::testing::Values(SqliteFactory()));

}  // namespace gov::store::testing
