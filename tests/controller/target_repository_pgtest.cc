// The target repositories on PostgreSQL (suite in target_repository_suite.h).
#include "tests/controller/target_repository_suite.h"

namespace gov::store::testing {

INSTANTIATE_TEST_SUITE_P(Postgres, TargetRepositoryTest, ::testing::Values(PostgresFactory()));

}  // namespace gov::store::testing
