// The target repositories on SQLite (suite in target_repository_suite.h).
#include "tests/controller/target_repository_suite.h"

namespace gov::store::testing {

INSTANTIATE_TEST_SUITE_P(Sqlite, TargetRepositoryTest, ::testing::Values(SqliteFactory()));

}  // namespace gov::store::testing
